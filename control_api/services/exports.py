"""Exports of committed versions and of diffs, as streams of bytes with their media type and
file name. The formats, formula neutralising and source links are dataops_spiders.exports'."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker

from control_api.services.streaming import stream_writer
from dataops_spiders.store import diff_versions, get_version, iter_records

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ExportStream:
    chunks: Iterator[bytes]
    media_type: str
    filename: str

    def content_disposition(self) -> str:
        """attachment; an ASCII filename for every client, the exact one for RFC 6266 ones."""
        ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", self.filename)
        return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(self.filename)}"


def version_export(
    sessions: sessionmaker[Session],
    session: Session,
    dataset: str,
    version: int | None,
    fmt: str,
    confidences: bool = False,
) -> ExportStream:
    """One committed version (default: the latest) as ``fmt``. An unknown dataset or version
    raises here, before anything is streamed; the records are read in the stream's own session,
    so the export does not hold the request's transaction open."""
    from dataops_spiders.exports import export_version  # openpyxl: only when exporting

    number = get_version(session, dataset, version).number

    def write(out) -> None:
        with sessions() as own:
            export_version(iter_records(own, dataset, number), fmt, out, confidences=confidences)

    return ExportStream(
        stream_writer(write, f"{dataset} v{number} {fmt}"),
        MEDIA_TYPES[fmt],
        f"{dataset}-v{number}.{fmt}",
    )


def diff_export(session: Session, dataset: str, a: int, b: int, fmt: str) -> ExportStream:
    """What changed from version ``a`` to ``b``, one row per changed field, as ``fmt``."""
    from dataops_spiders.exports import export_diff

    diff = diff_versions(session, dataset, a, b)
    return ExportStream(
        stream_writer(lambda out: export_diff(diff, fmt, out), f"{dataset} v{a}-v{b} {fmt}"),
        MEDIA_TYPES[fmt],
        f"{dataset}-v{a}-to-v{b}.{fmt}",
    )
