"""The formats a scan can be written in: their names, file extensions, and writers of the typed document.

JSON is the scan document itself, streamed by :mod:`rolescope.report.writer` as the scan goes; the
other file formats are written from the typed :class:`~rolescope.report.model.ScanDocument` once the
scan is done, each into a binary stream (a file being replaced atomically, or standard output).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from rolescope.report.csv_report import write_csv
from rolescope.report.html import write_html
from rolescope.report.model import ScanDocument
from rolescope.report.ocsf import write_ocsf
from rolescope.report.sarif import write_sarif

ModelWriter = Callable[[ScanDocument, BinaryIO], None]

# "console" is not a file format: it prints the rich report (report/console.py).
FILE_FORMATS: dict[str, str] = {"json": "json", "sarif": "sarif", "ocsf": "ocsf.jsonl", "csv": "csv", "html": "html"}
MODEL_WRITERS: dict[str, ModelWriter] = {"sarif": write_sarif, "ocsf": write_ocsf, "csv": write_csv,
                                         "html": write_html}
FORMATS = ("console", *FILE_FORMATS)
# The formats that carry the trust graph; the others do not need the scan to build it.
GRAPH_FORMATS = frozenset({"json", "html"})
# The formats that show every role, not only those with findings.
ALL_ROLE_FORMATS = frozenset({"html"})
# Formats that show a finding's role (its trust policy, paths): the others read only findings and counts.
FINDING_ROLE_FORMATS = frozenset({"html", "ocsf"})
