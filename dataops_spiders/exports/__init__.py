"""Exports of dataset versions and of diffs between them (CSV, JSON, JSON lines, XLSX).

Pure functions over record dicts and diff objects: no database, no Scrapy.
"""

from dataops_spiders.exports.diff_export import DIFF_FORMATS, export_diff
from dataops_spiders.exports.writers import FORMATS, export_version
from dataops_spiders.exports.xlsx import ExportError

__all__ = ["DIFF_FORMATS", "FORMATS", "ExportError", "export_diff", "export_version"]
