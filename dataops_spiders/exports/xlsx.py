"""Streaming XLSX tables: openpyxl write-only mode, real source links, text that stays text.

Rows go to openpyxl's temporary sheet files as they come, so a large version never sits in
memory. What does stay until the workbook is saved is openpyxl's bookkeeping for hyperlinks
(about 1 KB per link: a sheet's link table is written after its rows). Excel accepts at most
65,530 hyperlinks per worksheet, so a table rolls over to a new sheet ("records (2)", ...) with
its own header every ``XLSX_ROWS_PER_SHEET`` rows: every row keeps a working link, and Excel's
row limit is never reached.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dataops_spiders.exports.sanitize import (
    MAX_CELL_CHARS,
    excel_length,
    neutralise,
    safe_link,
    xml_safe,
)
from dataops_spiders.exports.tabular import Link

XLSX_ROWS_PER_SHEET = 65_530
_SHEET_TITLE_CHARS = 31
_FORBIDDEN_IN_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


# Excel stores numbers as doubles and shows 15 significant digits.
_EXCEL_DIGITS = 15


class ExportError(ValueError):
    """A value that cannot be exported in the requested format."""


def sheet_title(name: str) -> str:
    """``name`` as Excel accepts a sheet title: 31 characters, none of ``[]:*?/\\``."""
    title = xml_safe(name).translate(_FORBIDDEN_IN_TITLE).strip().strip("'")
    return title[:_SHEET_TITLE_CHARS] or "Sheet"


class XlsxTable:
    """One table written row by row into a write-only workbook."""

    def __init__(
        self,
        header: list[str],
        *,
        title: str = "records",
        document_title: str | None = None,
        rows_per_sheet: int = XLSX_ROWS_PER_SHEET,
        link_column: int | None = None,
    ) -> None:
        if not 0 < rows_per_sheet <= XLSX_ROWS_PER_SHEET:
            raise ValueError(f"rows_per_sheet must be 1..{XLSX_ROWS_PER_SHEET}")
        self.workbook = Workbook(write_only=True)
        if document_title:
            self.workbook.properties.title = xml_safe(document_title)
        self.header = header
        self.title = sheet_title(title)
        self.rows_per_sheet = rows_per_sheet
        self.link_column = link_column
        self.sheets = 0
        self._sheet = None
        self._rows_in_sheet = 0
        self._new_sheet()  # an export without rows still opens with its header

    def _new_sheet(self) -> None:
        self.sheets += 1
        suffix = "" if self.sheets == 1 else f" ({self.sheets})"
        title = self.title[: _SHEET_TITLE_CHARS - len(suffix)] + suffix
        sheet = self.workbook.create_sheet(title)
        sheet.freeze_panes = "A2"  # write-only sheets take view settings before any row
        if self.link_column is not None:
            sheet.column_dimensions[get_column_letter(self.link_column)].width = 48
        bold = Font(bold=True)
        cells = []
        for name in self.header:
            cell = WriteOnlyCell(sheet, value=self._text(name, name))
            cell.data_type = "s"
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        self._sheet = sheet
        self._rows_in_sheet = 0

    def append(self, values: list[Any], label: str = "") -> None:
        """Write one row; ``label`` (a record key) names the row in error messages."""
        if self._rows_in_sheet >= self.rows_per_sheet:
            self._new_sheet()
        where = f"record {label!r}" if label else f"row {self._rows_in_sheet + 1}"
        self._sheet.append(
            [
                self._cell(value, f"{where}, column {name!r}")
                for value, name in zip(values, self.header, strict=True)
            ]
        )
        self._rows_in_sheet += 1

    def save(self, out: BinaryIO | str) -> None:
        self.workbook.save(out)

    def discard(self) -> None:
        """Give up an unsaved table: finish and delete openpyxl's temporary sheet files, which
        would otherwise stay on disk until the process exits."""
        for sheet in self.workbook.worksheets:
            writer = sheet._writer  # openpyxl offers no public way to drop a write-only sheet
            if writer is None:
                continue
            if not sheet.closed:
                sheet.close()
            writer.cleanup()

    def _cell(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool | float):
            return value
        if isinstance(value, int | Decimal):
            if not _exact_in_excel(value):
                return self._string(str(value), where)  # a 19-digit ID must not become 1.2E+18
            places = -value.as_tuple().exponent if isinstance(value, Decimal) else 0
            if places <= 0:
                return value
            # keep the places the site showed: 49.90 stays 49.90, not 49.9
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.number_format = "0." + "0" * places
            return cell
        if isinstance(value, Link):
            url = safe_link(value.url)
            if url is None:
                return self._string(value.url, where)
            cell = WriteOnlyCell(self._sheet, value=url)
            cell.hyperlink = url
            cell.style = "Hyperlink"
            return cell
        return self._string(str(value), where)

    def _string(self, value: str, where: str) -> Any:
        text = self._text(value, where)
        if text in ERROR_CODES:  # openpyxl would store "#N/A" as an error, not as the text
            cell = WriteOnlyCell(self._sheet, value=text)
            cell.data_type = "s"
            return cell
        return text  # never starts with "=", so openpyxl stores a string, not a formula

    @staticmethod
    def _text(value: str, where: str) -> str:
        text = neutralise(xml_safe(value))
        if excel_length(text) > MAX_CELL_CHARS:
            raise ExportError(
                f"{where}: {excel_length(text):,} characters, more than the {MAX_CELL_CHARS:,} "
                "an Excel cell holds; export this version as CSV, JSON or JSON lines instead"
            )
        return text


def _exact_in_excel(number: int | Decimal) -> bool:
    """True when Excel keeps every digit of ``number``."""
    digits = Decimal(number).normalize().as_tuple().digits
    return len(digits) <= _EXCEL_DIGITS
