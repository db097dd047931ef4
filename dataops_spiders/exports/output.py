"""Where an export goes: a path (written whole or not at all) or a caller's binary stream."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

Destination = BinaryIO | str | os.PathLike


@contextmanager
def binary_destination(out: Destination) -> Iterator[BinaryIO]:
    """A binary stream for ``out``. A path is written beside itself and renamed at the end, so a
    failed export never leaves a truncated file where a good one was expected."""
    if not isinstance(out, str | os.PathLike):
        yield out
        return
    path = Path(out)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(partial, "wb") as stream:
            yield stream
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def text_destination(out: Destination, encoding: str) -> Iterator[TextIO]:
    """A text stream over ``out`` that leaves a caller's own stream open afterwards."""
    with binary_destination(out) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield text
        finally:
            text.flush()
            text.detach()  # closing the wrapper would close the caller's stream
