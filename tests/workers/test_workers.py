"""ordered_map: the same results in the same order on one process or many."""

from __future__ import annotations

import functools
import os
import time

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


@pytest.mark.parametrize("jobs", [2, 3])
def test_many_jobs_keep_input_order_and_build_state_once_per_process(jobs: int) -> None:
    items = list(range(40, 0, -1))
    results = list(ordered_map(functools.partial(_square_with_pid, 0), items, jobs=jobs))
    assert [r[0] for r in results] == [i * i for i in items]
    workers = {r[1] for r in results} - {os.getpid()}
    assert 1 <= len(workers) <= jobs - 1  # a worker may take all of theirs before the next starts
    assert all(r[1] == r[2] for r in results)  # each task ran with its own process's state


def _slow_in_workers(parent: int) -> object:
    def run(item: int) -> tuple[int, bool]:
        if os.getpid() != parent:
            time.sleep(0.05)
        return item, os.getpid() == parent

    return run


def test_this_process_takes_items_rather_than_wait() -> None:
    """Workers slower than this process: it runs most items itself, and the order holds."""
    items = list(range(30))
    results = list(ordered_map(functools.partial(_slow_in_workers, os.getpid()), items, jobs=2))
    assert [r[0] for r in results] == items
    here = sum(1 for _, mine in results if mine)
    assert here > len(items) // 2 and here < len(items)


def test_an_exception_reaches_the_caller_at_its_item() -> None:
    seen = []
    with pytest.raises(ValueError, match="negative item -1"):
        for result in ordered_map(functools.partial(_square_with_pid, 0), [2, -1, 3], jobs=2):
            seen.append(result[0])
    assert seen == [4]
    seen.clear()
    items = [2, 5, 7, 1, 6, 4, -2, 3, 8, 9]  # wherever -2 runs (here or in a worker), it is raised at its turn
    with pytest.raises(ValueError, match="negative item -2"):
        for result in ordered_map(functools.partial(_square_with_pid, 0), items, jobs=2):
            seen.append(result[0])
    assert seen == [i * i for i in items[:6]]


def test_default_jobs_is_at_least_one() -> None:
    assert default_jobs() >= 1
