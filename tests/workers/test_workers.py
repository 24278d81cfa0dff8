"""ordered_map: the same results in the same order on one process or many."""

from __future__ import annotations

import functools
import os

import pytest

from rolescope.workers import default_jobs, ordered_map


def _square_with_pid(offset: int) -> object:
    started = os.getpid()  # the factory runs once per process

    def run(item: int) -> tuple[int, int, int]:
        if item < 0:
            raise ValueError(f"negative item {item}")
        return item * item + offset, os.getpid(), started

    return run


def test_one_job_runs_in_this_process() -> None:
    results = list(ordered_map(functools.partial(_square_with_pid, 1), [3, 1, 2], jobs=1))
    assert [r[0] for r in results] == [10, 2, 5]
    assert {r[1] for r in results} == {os.getpid()}


def test_many_jobs_keep_input_order_and_build_state_once_per_process() -> None:
    items = list(range(40, 0, -1))
    results = list(ordered_map(functools.partial(_square_with_pid, 0), items, jobs=2))
    assert [r[0] for r in results] == [i * i for i in items]
    pids = {r[1] for r in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert all(r[1] == r[2] for r in results)  # each task ran with its own process's state


def test_an_exception_reaches_the_caller_at_its_item() -> None:
    seen = []
    with pytest.raises(ValueError, match="negative item -1"):
        for result in ordered_map(functools.partial(_square_with_pid, 0), [2, -1, 3], jobs=2):
            seen.append(result[0])
    assert seen == [4]


def test_default_jobs_is_at_least_one() -> None:
    assert default_jobs() >= 1
