"""A CI job summary of a SARIF log: open findings by severity, suppressed, and the most severe, in Markdown.

The GitHub Action runs ``python -m rolescope.report.job_summary rolescope.sarif >> "$GITHUB_STEP_SUMMARY"``
after ``scan`` or ``check-iac``; it reads any SARIF rolescope writes (a result's severity is its
``properties.severity``; one with ``suppressions`` is suppressed). A missing or unreadable log is one
line on stderr and exit 2, so the job says why it has no summary.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from rolescope.checks.catalogue import SEVERITIES, severity_rank
from rolescope.textsafe import safe_text

MOST_SEVERE = 10


class SummaryError(ValueError):
    """The SARIF log cannot be read or is not a SARIF log."""


def sarif_results(data: bytes) -> list[dict[str, Any]]:
    """Every result of every run of a SARIF log.

    Raises:
        SummaryError: not JSON, or not shaped as SARIF.
    """
    try:
        log = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise SummaryError(f"not JSON: {error}") from None
    runs = log.get("runs") if isinstance(log, dict) else None
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        raise SummaryError("not a SARIF log (no runs)")
    results = [result for run in runs for result in run.get("results") or () if isinstance(result, dict)]
    return results


def _severity(result: dict[str, Any]) -> str:
    properties = result.get("properties")
    severity = properties.get("severity") if isinstance(properties, dict) else None
    return severity if severity in SEVERITIES else "info"


def _where(result: dict[str, Any]) -> str:
    for location in result.get("locations") or ():
        physical = location.get("physicalLocation") or {}
        uri = (physical.get("artifactLocation") or {}).get("uri")
        line = (physical.get("region") or {}).get("startLine")
        if uri:
            return f"{uri}:{line}" if line else str(uri)
    return ""


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no control characters, pipes, newlines or markup that would break it."""
    flat = safe_text(" ".join(text.split()))
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("`", "'")


def markdown_summary(results: Sequence[dict[str, Any]], title: str = "rolescope") -> str:
    """The job summary: a line of totals, a table of open findings by severity, the most severe open ones."""
    open_results = [r for r in results if not r.get("suppressions")]
    by_severity = Counter(_severity(r) for r in open_results)
    suppressed = len(results) - len(open_results)
    lines = [f"## {title}", "",
             f"**{len(open_results)} open findings**, {suppressed} suppressed.", "",
             "| severity | open findings |", "| --- | ---: |"]
    lines += [f"| {severity} | {by_severity[severity]} |" for severity in SEVERITIES]
    worst = sorted(open_results, key=lambda r: severity_rank(_severity(r)))[:MOST_SEVERE]
    if worst:
        lines += ["", f"### Most severe ({len(worst)} of {len(open_results)})", "",
                  "| severity | check | where | message |", "| --- | --- | --- | --- |"]
        for result in worst:
            message = (result.get("message") or {}).get("text", "")
            lines.append(f"| {_severity(result)} | {_cell(str(result.get('ruleId', '')))} | {_cell(_where(result))} "
                         f"| {_cell(str(message))} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rolescope.report.job_summary SARIF [TITLE]``: the summary on stdout; 2 when unreadable."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not 1 <= len(args) <= 2:
        print("usage: python -m rolescope.report.job_summary SARIF [TITLE]", file=sys.stderr)
        return 2
    try:
        results = sarif_results(Path(args[0]).read_bytes())
    except (OSError, SummaryError) as error:
        print(f"rolescope: error: {args[0]}: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return 2
    sys.stdout.write(markdown_summary(results, *args[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
