"""Where an offline scan's time goes: the phases of ``rolescope scan --from DIR --format json``, timed.

Runs the same library calls the command runs (load, analyse and check, build the document, render
and write it) and prints the seconds of each as JSON, with the count of distinct trust documents
and trust analyses. ``--profile FILE`` also writes a cProfile of the analyse-and-check phase.

Usage: ``python bench/phases.py DIR [--profile FILE]``.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from pathlib import Path

import orjson

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.report.atomic import write_atomic
from rolescope.report.document import build_document
from rolescope.report.formats import FILE_FORMATS
from rolescope.scanner import scan_snapshots


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    snapshots, failures, organizations = load_snapshots([args.source])
    timings["load"] = time.perf_counter() - start
    settings = CheckSettings(organization=merge_organizations(organizations))
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = scan_snapshots(snapshots, settings)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    timings["analyse_and_check"] = time.perf_counter() - start
    start = time.perf_counter()
    document = build_document(result)
    timings["build_document"] = time.perf_counter() - start
    start = time.perf_counter()
    _, render = FILE_FORMATS["json"]
    payload = render(document)
    timings["render_json"] = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        write_atomic(Path(scratch) / "report.json", payload)
    timings["write"] = time.perf_counter() - start
    roles = sum(len(s.roles) for s in snapshots)
    distinct = len({orjson.dumps(r.trust_policy, option=orjson.OPT_SORT_KEYS) for s in snapshots for r in s.roles})
    sys.stdout.write(orjson.dumps({
        "roles": roles, "accounts": len(snapshots), "failures": len(failures), "findings": len(result.findings),
        "distinct_trust_documents": distinct, "report_bytes": len(payload), "seconds": timings,
    }).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
