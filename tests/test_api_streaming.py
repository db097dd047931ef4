"""stream_writer: what an export writes reaches the client in chunks, with flat memory; an error
before the first byte is raised where an error status can still be sent; a client that goes
away stops the writer."""

from __future__ import annotations

import threading
import time

import pytest

from control_api.services.streaming import CHUNK_BYTES, QUEUED_CHUNKS, stream_writer


def test_everything_written_arrives_in_order_in_chunks():
    def write(out):
        for i in range(20_000):
            out.write(f"line {i}\n".encode())

    chunks = list(stream_writer(write, "lines"))
    assert b"".join(chunks).decode().splitlines()[-1] == "line 19999"
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= CHUNK_BYTES


def test_an_error_before_any_byte_is_raised_by_the_call():
    def write(out):
        raise LookupError("no such version")

    with pytest.raises(LookupError, match="no such version"):
        stream_writer(write, "refused")


def test_an_error_after_the_first_bytes_ends_the_stream_with_it():
    def write(out):
        out.write(b"x" * (CHUNK_BYTES * 2))
        raise RuntimeError("disk gone")

    chunks = stream_writer(write, "broken")
    with pytest.raises(RuntimeError, match="disk gone"):
        for _chunk in chunks:
            pass


def test_a_reader_that_stops_stops_the_writer_and_bounds_memory():
    written = []
    finished = threading.Event()

    def write(out):
        try:
            while True:  # an export far larger than anyone reads
                out.write(b"y" * CHUNK_BYTES)
                written.append(CHUNK_BYTES)
        finally:
            finished.set()

    chunks = stream_writer(write, "endless")
    next(chunks)
    time.sleep(0.3)
    # The writer waits for the reader: at most the queue and one buffer ahead.
    assert len(written) <= QUEUED_CHUNKS + 3
    chunks.close()
    assert finished.wait(5), "the writer kept running after the reader left"
