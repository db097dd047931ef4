"""A process pool for the CPU-heavy layers, so parsing never stalls the reactor's downloads.

One pool per crawler, shared by the pipelines that need it, shut down at spider close.
`DATAOPS_WORKER_PROCESSES = 0` runs the layers inline (simplest to debug, slowest to crawl).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from scrapy import signals

logger = logging.getLogger(__name__)
T = TypeVar("T")

_POOLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def default_worker_count() -> int:
    # The main process keeps the downloader and link extraction; on small machines it still
    # pays to give the workers every core, since the main process mostly waits on sockets.
    return max(1, min(os.cpu_count() or 1, 4))


def _init_worker() -> None:
    # Workers must not inherit the parent's signal handling: Ctrl-C is the crawler's to handle.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class WorkerPool:
    def __init__(self, processes: int):
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    @classmethod
    def for_crawler(cls, crawler) -> WorkerPool:
        """The crawler's pool, created on first use by whichever pipeline asks first."""
        pool = _POOLS.get(crawler)
        if pool is None:
            configured = crawler.settings.get("DATAOPS_WORKER_PROCESSES")
            processes = default_worker_count() if configured in (None, "") else int(configured)
            pool = cls(processes)
            _POOLS[crawler] = pool
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def _ensure_executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # forkserver: never fork a process that runs a Twisted reactor and threads.
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=context, initializer=_init_worker
            )
            logger.info("Started %d worker process(es) for parsing", self.processes)
        return self._executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.processes <= 0:
            return fn(*args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ensure_executor(), fn, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
