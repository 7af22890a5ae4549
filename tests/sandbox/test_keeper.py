"""The keeper thread: every zygote is started (and so owned) by one long-lived thread."""

import threading

import pytest

from sandbox import keeper


def test_a_job_runs_on_the_keeper_thread_and_returns_its_value() -> None:
    caller = threading.get_ident()
    ran_on = keeper.call(threading.get_ident, timeout=10)
    assert ran_on != caller
    # The same thread every time: a zygote's parent must outlive the request that started it.
    assert keeper.call(threading.get_ident, timeout=10) == ran_on


def test_a_jobs_exception_reaches_the_caller_and_the_keeper_goes_on() -> None:
    def fail() -> int:
        raise OSError("the zygote could not start")

    with pytest.raises(OSError, match="could not start"):
        keeper.call(fail, timeout=10)
    assert keeper.call(lambda: 42, timeout=10) == 42
