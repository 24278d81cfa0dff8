"""Where an offline scan's time goes: the pieces of ``rolescope scan --from DIR --format json``, timed.

Runs, in one process and one account at a time, the same library calls the pipeline's per-account
step runs (:func:`rolescope.pipeline.scan_account`: load, analyse and check, the account's entries
and encoded JSON, its part of the trust graph, and the hand-over of these from a worker process:
pickled and unpickled), then the trust graph, then the rest of the document through the streamed
JSON writer. Each piece's seconds are summed over the accounts; the process's
peak resident memory is read at the end of each phase. ``--profile FILE`` also writes a cProfile of
the analyse-and-check piece.

Usage: ``python bench/phases.py DIR [--profile FILE]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pickle
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import expand, load_file, merge_organizations
from rolescope.inventory.model import AccountSnapshot, Organization
from rolescope.pipeline import ScanSettings
from rolescope.report.document import assemble, document_header
from rolescope.report.entries import account_piece, error_entries, finding_entries
from rolescope.report.graph_formats import graph_section
from rolescope.report.sinks import JsonSink, file_output
from rolescope.report.writer import encode_account
from rolescope.scanner import TrustCache, scan_snapshot
from rolescope.trust.graph import account_graph_part


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    gc.disable()  # as the CLI does for a scan
    seconds: Counter[str] = Counter()
    peak_rss_mb: dict[str, float] = {}
    profiler = cProfile.Profile() if args.profile else None

    def peak(phase: str) -> None:
        peak_rss_mb[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

    files, organizations = [], []
    for path in expand([args.source]):
        found = load_file(path) if path.name.startswith("organization") else None
        if isinstance(found, Organization):
            organizations.append(found)
        else:
            files.append(path)
    organization = merge_organizations(organizations)
    settings = ScanSettings(CheckSettings(organization=organization))
    cache = TrustCache()
    accounts, findings, errors, parts = [], [], [], []
    roles = 0
    distinct: set[bytes] = set()
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "report.json"
        sink = JsonSink(file_output(target))
        header = document_header(settings.checks.now, organization, settings.scope)
        sink.begin(header)
        for path in files:
            start = time.perf_counter()
            snapshot = load_file(path)
            assert isinstance(snapshot, AccountSnapshot), path
            seconds["load"] += time.perf_counter() - start
            roles += len(snapshot.roles)
            distinct.update(orjson.dumps(r.trust_policy, option=orjson.OPT_SORT_KEYS) for r in snapshot.roles)
            start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            result, found, failed = scan_snapshot(snapshot, settings.checks, cache)
            if profiler is not None:
                profiler.disable()
            seconds["analyse_and_check"] += time.perf_counter() - start
            start = time.perf_counter()
            entries = finding_entries(found)
            with_findings = {f.resource for f in entries}
            entry, json_entry = account_piece(result, with_findings.__contains__)
            encoded = encode_account(json_entry)
            seconds["account_entries"] += time.perf_counter() - start
            start = time.perf_counter()
            parts.append(account_graph_part(snapshot, [(r.role, r.analysis) for r in result.roles
                                                       if r.analysis is not None]))
            seconds["graph_parts"] += time.perf_counter() - start
            start = time.perf_counter()
            pickle.loads(pickle.dumps((entry, encoded, entries, error_entries(failed), parts[-1])))
            seconds["handover"] += time.perf_counter() - start
            start = time.perf_counter()
            sink.account(entry, encoded)
            seconds["write"] += time.perf_counter() - start
            accounts.append(entry)
            findings += entries
            errors += error_entries(failed)
            del snapshot, result
        peak("accounts")
        start = time.perf_counter()
        graph = graph_section(parts, organization)
        seconds["graph"] += time.perf_counter() - start
        peak("graph")
        start = time.perf_counter()
        document = assemble(header, accounts, findings, errors, None, graph)
        sink.finish(document)
        sink.commit()
        seconds["write"] += time.perf_counter() - start
        peak("write")
        report_bytes = target.stat().st_size
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    sys.stdout.write(orjson.dumps({
        "roles": roles, "accounts": len(files), "findings": len(findings), "distinct_trust_documents": len(distinct),
        "searches": cache.stats["analysed"], "report_bytes": report_bytes, "seconds": dict(seconds),
        "peak_rss_mb": peak_rss_mb,
    }).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
