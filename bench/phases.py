"""Where an offline scan's time goes: the phases of ``rolescope scan --from DIR --format json``, timed.

Runs the same library calls the command runs (load, analyse and check, build the trust graph, build
the rest of the document, render and write it) and prints the seconds of each as JSON, with the
process's peak resident memory at the end of each phase, the count of distinct trust documents and
the report's size. ``--profile FILE`` also writes a cProfile of the analyse-and-check phase.

Usage: ``python bench/phases.py DIR [--profile FILE]``.
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

from rolescope.checks.context import CheckSettings
from rolescope.gc_pause import paused_gc
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.report.atomic import write_atomic
from rolescope.report.document import build_document, trust_graph
from rolescope.report.formats import FILE_FORMATS
from rolescope.scanner import scan_snapshots


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    peak_rss_mb: dict[str, float] = {}
    start = time.perf_counter()

    def done(phase: str) -> None:
        nonlocal start
        timings[phase] = time.perf_counter() - start
        peak_rss_mb[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        start = time.perf_counter()

    snapshots, failures, organizations = load_snapshots([args.source])
    done("load")
    settings = CheckSettings(organization=merge_organizations(organizations))
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = scan_snapshots(snapshots, settings)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    done("analyse_and_check")
    # The graph apart from the rest of the document: the same section build_document would add.
    with paused_gc():
        graph = trust_graph(result)
    done("graph")
    document = build_document(result, graph=False)
    document["graph"] = graph
    done("build_document")
    _, render = FILE_FORMATS["json"]
    payload = render(document)
    done("render_json")
    with tempfile.TemporaryDirectory() as scratch:
        write_atomic(Path(scratch) / "report.json", payload)
    done("write")
    roles = sum(len(s.roles) for s in snapshots)
    distinct = len({orjson.dumps(r.trust_policy, option=orjson.OPT_SORT_KEYS) for s in snapshots for r in s.roles})
    sys.stdout.write(orjson.dumps({
        "roles": roles, "accounts": len(snapshots), "failures": len(failures), "findings": len(result.findings),
        "distinct_trust_documents": distinct, "report_bytes": len(payload), "seconds": timings,
        "peak_rss_mb": peak_rss_mb,
    }).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
