"""The file formats a scan can be written in: name -> (file extension, renderer of the scan document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from rolescope.report.csv_report import render_csv
from rolescope.report.html import render_html
from rolescope.report.ocsf import render_ocsf
from rolescope.report.sarif import render_sarif

Renderer = Callable[[dict[str, Any]], bytes]


def render_json(document: dict[str, Any]) -> bytes:
    """The ``rolescope.scan/v1`` document, indented."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)  # no copy to add it


# "console" is not a file format: it prints the rich report (report/console.py).
FILE_FORMATS: dict[str, tuple[str, Renderer]] = {
    "json": ("json", render_json),
    "sarif": ("sarif", render_sarif),
    "ocsf": ("ocsf.jsonl", render_ocsf),
    "csv": ("csv", render_csv),
    "html": ("html", render_html),
}
FORMATS = ("console", *FILE_FORMATS)
# The formats that carry the trust graph; the others do not need the document to include it.
GRAPH_FORMATS = frozenset({"json", "html"})
