"""Waiting for something to become true: the one way a test waits, so none sleeps a guessed number of seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll until condition() is truthy and return its value; AssertionError naming `what` after timeout seconds.

    The condition is asked once more at the deadline, so a slow machine that got there just in time still passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not true within {timeout} s")
        time.sleep(interval)
