"""The formats a scan can be written in: their names, file extensions, and writers of the typed document.

JSON is the scan document itself, streamed by :mod:`rolescope.report.writer` as the scan goes; the
other file formats are written from the typed :class:`~rolescope.report.model.ScanDocument` once the
scan is done, each into a binary stream (a file being replaced atomically, or standard output). The
HTML page also shows the corrected trust policies: the caller's planner gives them, from the finished
document, before the page is rendered (report/ never runs the remediation planner itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from rolescope.report.asff import DEFAULT_REGION, asff_writer
from rolescope.report.csv_report import write_csv
from rolescope.report.fixes import FixPlanner
from rolescope.report.model import ScanDocument
from rolescope.report.ocsf import write_ocsf
from rolescope.report.sarif import write_sarif

ModelWriter = Callable[[ScanDocument, BinaryIO], None]

# "console" is not a file format: it prints the rich report (report/console.py).
FILE_FORMATS: dict[str, str] = {"json": "json", "sarif": "sarif", "ocsf": "ocsf.jsonl", "csv": "csv", "html": "html",
                             "asff": "asff.json"}
FORMATS = ("console", *FILE_FORMATS)
# The formats that carry the trust graph; the others do not need the scan to build it.
GRAPH_FORMATS = frozenset({"json", "html"})
# The formats that show every role, not only those with findings.
ALL_ROLE_FORMATS = frozenset({"html"})
# Formats that show a finding's role (its trust policy, paths): the others read only findings and counts.
FINDING_ROLE_FORMATS = frozenset({"html", "ocsf", "asff"})
# Formats that show a finding's evidence from the typed document (JSON writes it as the scan found it).
FINDING_EVIDENCE_FORMATS = frozenset({"html", "ocsf", "asff", "sarif"})
# Formats that show a finding's id and message from the typed document (JSON writes them as the scan found them).
FINDING_TEXT_FORMATS = frozenset(FORMATS) - {"json"}


def model_writers(plan_fixes: FixPlanner, asff_region: str = DEFAULT_REGION) -> dict[str, ModelWriter]:
    """The writer of each format made from the finished document.

    Args:
        plan_fixes: the corrected policies of a finished document (the CLI passes
            :func:`rolescope.remediate.report_fixes.fixes_for_report`); the HTML writer asks it once and
            hands the result to the renderer.
        asff_region: the Security Hub region ASFF findings are for (their product ARN names it).
    """

    def write_html_page(document: ScanDocument, stream: BinaryIO) -> None:
        # Imported when a page is written: jinja2 and the page's modules take longer to import than a
        # single account takes to scan, and each worker process of a scan imports this module.
        from rolescope.report.html import write_html

        write_html(document, plan_fixes(document), stream)

    return {"sarif": write_sarif, "ocsf": write_ocsf, "csv": write_csv, "html": write_html_page,
            "asff": asff_writer(asff_region)}
