"""The ``rolescope`` program: what must start before the commands are imported, then the commands.

Importing the command group and a command takes a few tenths of a second. A ``scan --from`` that
will share its accounts with worker processes starts the process they are forked from first, so that
it imports what the workers run (:mod:`rolescope.pipeline`) on the other core meanwhile, rather than
each worker importing it once the scan has begun (see :func:`rolescope.workers.prestart`). The
command line is only glanced at here, with nothing imported: a wrong guess costs the other core's
time, never a different result (click parses the line, as ever, and the scan decides its jobs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# What a worker of a file scan runs: rolescope.pipeline.scan_account and all it imports.
FILE_SCAN_WORKER_MODULES = ("rolescope.pipeline",)


def main() -> None:
    """Entry point of the ``rolescope`` program (``python -m rolescope`` too)."""
    jobs = file_scan_jobs(sys.argv[1:])
    if jobs is not None:
        from rolescope.workers import default_jobs, prestart

        if (jobs or default_jobs()) > 1:
            prestart(FILE_SCAN_WORKER_MODULES)
    from rolescope.cli.main import main as run

    run()


def file_scan_jobs(args: Sequence[str]) -> int | None:
    """The processes a ``scan --from`` command line asks for (0: as many as CPUs), or ``None`` when
    ``args`` do not look like one.

    The command is the first word that is not an option (nor ``--config``'s file); ``--jobs``/``-j``
    says how many processes. Help, anything after ``--``, and sources of two JSON files or fewer (one
    account and the organisation's listing: the scan runs them here) start nothing.
    """
    options = list(args[:args.index("--")] if "--" in args else args)
    words = [a for i, a in enumerate(options)
             if not a.startswith("-") and (i == 0 or options[i - 1] != "--config")]
    if not words or words[0] != "scan" or any(a in ("-h", "--help") for a in options):
        return None
    sources = [a.partition("=")[2] if a.startswith("--from=") else options[i + 1]
               for i, a in enumerate(options)
               if a.startswith("--from=") or (a == "--from" and i + 1 < len(options))]
    if not _several_files(sources):  # one account (and its organisation's listing): no worker
        return None
    jobs = 0
    for index, arg in enumerate(options):
        value = None
        if arg in ("--jobs", "-j") and index + 1 < len(options):
            value = options[index + 1]
        elif arg.startswith("--jobs="):
            value = arg.partition("=")[2]
        elif arg.startswith("-j") and len(arg) > 2:
            value = arg[2:].lstrip("=")
        if value is not None and value.isdigit():
            jobs = int(value)
    return jobs


def _several_files(sources: Sequence[str], enough: int = 3) -> bool:
    """Whether ``sources`` (files, or directories read for their ``*.json`` files, recursively, as the
    scan reads them) hold at least ``enough`` files; counting stops there."""
    found = 0
    for source in sources:
        if not os.path.isdir(source):
            found += 1
        for _, _, names in os.walk(source):
            found += sum(1 for name in names if name.endswith(".json"))
            if found >= enough:
                break
        if found >= enough:
            return True
    return False
