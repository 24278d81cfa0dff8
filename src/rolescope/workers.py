"""Running one function over many items on every core, results in input order.

A scan's accounts are independent, so each can be loaded, analysed and encoded in its own process
(the caller's among them); the caller consumes the results in the order of the items, which keeps
the output identical to a run in one process. Each worker process builds its state once (a trust cache, say) through a
picklable factory, so nothing but the items and the results crosses between processes.

Worker processes run with the cyclic garbage collector off and ignore Ctrl-C: the parent gets the
interrupt, stops consuming and terminates them, so an interrupted scan prints one message, not one
traceback per worker.

A worker hands each result over through a file in a scratch directory the caller owns (its name is
what crosses the pool's pipe): the caller is busy running items too, and a pipe carries a result of
megabytes in 64 KiB pieces, each of which the caller's reading thread would have to win the
interpreter lock back for, while the worker waits to write the next.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# The function a worker process runs, built once per process by the factory the pool starts it with.
# Process-wide by nature: it lives only in worker processes, never in the caller's.
_worker: Callable[[Any], Any] | None = None
_scratch: str | None = None  # the directory a worker writes its results into
_written = 0  # results this worker has written


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity masks
        return max(1, os.cpu_count() or 1)


def prestart(preload: Sequence[str]) -> None:
    """Start the process that worker processes are forked from now, importing ``preload`` there.

    A command that will run :func:`ordered_map` with several jobs calls this first thing, before its
    own imports: the server imports ``preload`` while this process imports the command, on the other
    core, and each worker is then a fork of a process that has it all, ready at once. Without it, the
    first worker would start importing (~0.3 s) only when the pool starts. A server started for a pool
    that does not come to be costs that other core's time, and ends with this process.
    """
    if os.name != "posix":  # spawn: each worker imports for itself
        return
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    forkserver.ensure_running()


def _start(factory: Callable[[], Callable[[Any], Any]], scratch: str) -> None:
    global _worker, _scratch
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker process is the pool's own and short-lived: it runs with the cyclic collector off, as
    # the CLI runs a scan (see rolescope.gc_pause); the caller's process is left as it is.
    gc.disable()
    _scratch = scratch
    _worker = factory()


def _run(item: Any) -> str:
    """Run the item; write its result to a new file of the scratch directory and return the file's name."""
    global _written
    assert _worker is not None and _scratch is not None, "worker process started without its factory"
    result = _worker(item)
    _written += 1
    path = os.path.join(_scratch, f"{os.getpid()}-{_written}")
    with open(path, "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _taken(path: str) -> Any:
    """The result a worker wrote to ``path``; the file is removed."""
    with open(path, "rb") as handle:
        data = handle.read()
    os.unlink(path)
    return pickle.loads(data)


def ordered_map(factory: Callable[[], Callable[[Item], Result]], items: Sequence[Item], jobs: int,
                preload: Sequence[str] = ()) -> Iterator[Result]:
    """``factory()(item)`` for every item, in the order of ``items``.

    With ``jobs`` greater than one, ``jobs - 1`` worker processes and this process share the items.
    The workers are handed items in order, a few each ahead of time; whenever the next result is not
    ready, this process takes the next item nobody has yet and runs it itself, rather than wait. So
    on ``jobs`` cores ``jobs`` processes are at work (the caller also consumes the results), however
    the items' sizes and the caller's own share of the work fall, and an item run here crosses no
    process boundary: its result is neither pickled nor unpickled. The results run ahead of their
    turn are held until it comes: a few, since this process only runs one when it would wait.

    Args:
        factory: builds the per-process function (once in this process too, when it runs an item);
            it and the items must pickle when ``jobs > 1``.
        items: the work, one task each.
        jobs: processes at work, this one included; 1 (or a single item) runs everything here.
        preload: the modules the workers run, imported once in the process they are forked from
            (unless :func:`prestart` or an earlier pool started it already).

    Returns:
        The results, yielded in input order as they become available. An exception raised by the
        function is raised here, at its item.
    """
    if jobs <= 1 or len(items) <= 1:
        function = factory()
        for item in items:
            yield function(item)
        return
    workers = min(jobs - 1, len(items) - 1)
    ahead = 2 * workers  # unfinished items handed out: each worker has one queued beside the one it runs
    # forkserver: workers start from a clean interpreter, not from a copy of a parent that may hold
    # threads (a progress bar's) or a large heap.
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    if preload and os.name == "posix":
        context.set_forkserver_preload(list(preload))
    with tempfile.TemporaryDirectory(prefix="rolescope-") as scratch, \
            context.Pool(workers, _start, (factory, scratch)) as pool:
        handed: dict[int, AsyncResult[Any]] = {}
        ran: dict[int, tuple[bool, Any]] = {}  # run here ahead of their turn: (succeeded, result or error)
        assigned = 0  # items before this one are handed out or run here
        here: Callable[[Item], Result] | None = None

        def run_next_here() -> None:
            nonlocal assigned, here
            if here is None:
                here = factory()
            index, assigned = assigned, assigned + 1
            try:
                ran[index] = (True, here(items[index]))
            except Exception as error:  # raised at its turn, as a worker's error is
                ran[index] = (False, error)

        for index in range(len(items)):
            while True:
                queued = sum(1 for result in handed.values() if not result.ready())
                while queued < ahead and assigned < len(items):
                    handed[assigned] = pool.apply_async(_run, (items[assigned],))
                    assigned, queued = assigned + 1, queued + 1
                if index in ran:
                    succeeded, value = ran.pop(index)
                    if not succeeded:
                        raise value
                    yield value
                    break
                if index not in handed:  # nobody has it yet: ours
                    run_next_here()
                    continue
                if handed[index].ready() or assigned >= len(items):
                    yield _taken(handed.pop(index).get())
                    break
                run_next_here()  # rather than wait for the worker's
