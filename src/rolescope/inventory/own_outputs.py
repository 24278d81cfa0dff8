"""Recognise rolescope's own outputs among the files a scan is given, by what they say they are.

Reports are often written beside the exports they come from (``scan --from exports --output-dir
exports/reports``); the next scan must not take them for broken account snapshots. Only the content
decides, never the file's name: every JSON document rolescope writes names its ``schema``
(``rolescope.scan/v2``, ``rolescope.fix-plan/v1``...), a SARIF log names its tool, an OCSF
finding its product, the audit-role template its description; the text outputs a scan could be
given by name (CSV, HTML) are known by their first line or their generator.
"""

from __future__ import annotations

from typing import Any

import orjson

TOOL = "rolescope"
# What the audit-role templates (``rolescope template``) say they are.
TEMPLATE_DESCRIPTION = "rolescope audit role"
# The first line of each CSV rolescope writes (the findings of ``scan``, the requirements of ``compliance``):
# a test holds them to the writers.
CSV_HEADERS = {
    b"finding_id,severity,status,check,title,account_id,": "a findings CSV",
    b"framework,requirement,title,checks,requirement_status,": "a compliance CSV",
}
HTML_GENERATOR = b'<meta name="generator" content="rolescope '


def own_output(data: Any) -> str | None:
    """What rolescope output the decoded JSON ``data`` is (``a rolescope.scan/v2 document``), or ``None``."""
    if not isinstance(data, dict):
        return None
    schema = data.get("schema")
    if isinstance(schema, str) and schema.startswith(f"{TOOL}."):
        return f"a {schema} document"
    if _sarif_of_rolescope(data):
        return "a SARIF report"
    if _ocsf_of_rolescope(data):
        return "an OCSF finding"
    description = data.get("Description")
    if "AWSTemplateFormatVersion" in data and isinstance(description, str) and description.startswith(
            TEMPLATE_DESCRIPTION):
        return "the audit-role template"
    return None


def own_text(raw: bytes) -> str | None:
    """What rolescope output ``raw`` is when it is not one JSON document: OCSF findings in JSON lines, a CSV,
    or the HTML page."""
    first = raw.split(b"\n", 1)[0]
    for header, what in CSV_HEADERS.items():
        if first.startswith(header):
            return what
    if HTML_GENERATOR in raw[:4096]:  # in the page's <head>
        return "an HTML report"
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        return None
    return "OCSF findings in JSON lines" if _ocsf_of_rolescope(data) else None


def _sarif_of_rolescope(data: dict[str, Any]) -> bool:
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs or not isinstance(runs[0], dict):
        return False
    return bool(_at(runs[0], "tool", "driver", "name") == TOOL)


def _ocsf_of_rolescope(data: Any) -> bool:
    return isinstance(data, dict) and bool(_at(data, "metadata", "product", "name") == TOOL)


def _at(data: dict[str, Any], *keys: str) -> Any:
    found: Any = data
    for key in keys:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found
