"""A thread that lives as long as the process, to start zygotes from.

``PR_SET_PDEATHSIG`` fires when the *thread* that forked the child ends, not the process;
request threads (runserver, gthread) end all the time. So the zygote is always started from
this one thread, and dies with the process, not with the request that happened to start it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class Keeper:
    """Runs jobs, one at a time, on its own long-lived daemon thread."""

    def __init__(self) -> None:
        self._jobs: list[tuple[Callable[[], object], Future[object]]] = []
        self._wake = threading.Condition(threading.Lock())
        thread = threading.Thread(target=self._loop, name="sandbox-keeper", daemon=True)
        thread.start()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._jobs:
                    self._wake.wait()
                job, future = self._jobs.pop(0)
            try:
                future.set_result(job())
            except BaseException as exc:
                future.set_exception(exc)

    def call(self, job: Callable[[], object], timeout: float) -> object:
        """``job()``'s value, computed on the keeper thread; TimeoutError past ``timeout`` s."""
        future: Future[object] = Future()
        with self._wake:
            self._jobs.append((job, future))
            self._wake.notify()
        return future.result(timeout=timeout)


_keeper: Keeper | None = None
_lock = threading.Lock()


def call(job: Callable[[], T], timeout: float) -> T:
    """Run ``job`` on the process's keeper thread (started on first use) and return its value."""
    global _keeper
    with _lock:
        if _keeper is None:
            _keeper = Keeper()
        keeper = _keeper
    return keeper.call(job, timeout)  # type: ignore[return-value]


def _after_fork_in_child() -> None:
    global _keeper, _lock
    _keeper = None  # its thread did not survive the fork
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
