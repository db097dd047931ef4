"""Stream what a writer function writes: the exports write to a binary file object, an HTTP
response wants an iterator of chunks. The writer runs in a thread of its own and hands chunks
over a small queue, so memory stays flat and a slow client slows the writer down instead of
filling memory; a client that goes away stops the writer at its next write.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
QUEUED_CHUNKS = 16
_POLL_SECONDS = 0.5


class StreamCancelled(Exception):
    """The reader went away: the writer stops here."""


@dataclass(frozen=True)
class _End:
    error: BaseException | None


class _Pipe(io.RawIOBase):
    """The writer's end: a non-seekable binary file whose writes become queued chunks."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: queue.Queue[bytes | _End] = queue.Queue(QUEUED_CHUNKS)
        self.cancelled = threading.Event()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self.put(chunk)
        return len(chunk)

    def put(self, item: bytes | _End) -> None:
        while True:
            if self.cancelled.is_set():
                raise StreamCancelled
            try:
                self.chunks.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue


def stream_writer(write: Callable[[BinaryIO], object], name: str) -> Iterator[bytes]:
    """Run ``write(out)`` in a thread; return an iterator over what it writes.

    The first chunk is waited for before this returns, so an error the writer meets before
    writing anything (an export refused at its first record, a store that is down) is raised
    here, where the caller can still answer with an error status. A later error ends the stream
    abruptly (the client sees an incomplete transfer, never a silently short file) and is logged.
    """
    pipe = _Pipe()

    def run() -> None:
        try:
            with io.BufferedWriter(pipe, CHUNK_BYTES) as out:
                write(out)
        except StreamCancelled:
            return
        except BaseException as exc:
            pipe.put(_End(exc))
            return
        pipe.put(_End(None))

    threading.Thread(target=run, name=f"stream {name}", daemon=True).start()
    first = pipe.chunks.get()
    if isinstance(first, _End) and first.error is not None:
        raise first.error
    return _chunks(pipe, first, name)


def _chunks(pipe: _Pipe, first: bytes | _End, name: str) -> Iterator[bytes]:
    try:
        item = first
        while not isinstance(item, _End):
            yield item
            item = pipe.chunks.get()
        if item.error is not None:
            logger.error("stream %s failed after it started", name, exc_info=item.error)
            raise item.error
    finally:
        pipe.cancelled.set()  # also when the client went away mid-stream
