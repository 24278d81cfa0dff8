"""The HTML report: one self-contained page with the summary, the trust graph, findings and compliance.

Everything the page needs is inlined (no request at view time): the vendored graph library
(:mod:`rolescope.report.html_vendor`), the page's script and style, and one JSON object from which the
script renders the findings' details, roles, policies, fixes and the graph when they are looked at
(:mod:`rolescope.report.html_data`, :mod:`rolescope.report.html_graph`), so the page stays light at
10,000 roles. A Content-Security-Policy allows only those scripts and the style, by hash, so a string
from AWS data that escaped escaping still could not run. Jinja2 escapes every value (autoescape); the
data is gzip-compressed JSON in base64 (:func:`embedded_data`), which has no character that could
close its ``<script>`` block; the script writes every string with ``textContent``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections import Counter
from importlib import resources
from typing import Any, BinaryIO

import jinja2
import orjson
from markupsafe import Markup

from rolescope import wording
from rolescope.caches import memoized
from rolescope.checks.catalogue import SEVERITIES
from rolescope.report.compliance import compliance_reports
from rolescope.report.fixes import Fixes
from rolescope.report.html_data import page_data
from rolescope.report.html_graph import graph_data
from rolescope.report.html_vendor import vendored_scripts
from rolescope.report.index import AccountNames
from rolescope.report.model import ScanDocument
from rolescope.report.perimeter_view import perimeter_line, policy_rows

EDGE_CLASSES = {
    "unguarded": "cross-account, no MFA or ExternalId",
    "guarded": "cross-account, MFA or ExternalId required",
    "public": "anyone",
    "internal": "same account, service or identity provider",
}


def embedded_data(value: Any) -> Markup:
    """``value`` as the page embeds it: JSON, gzip-compressed (a tenth of the size), base64-encoded.

    Base64 holds no character that could end the ``<script>`` block, whatever the scan's strings are.
    """
    packed = gzip.compress(orjson.dumps(value), compresslevel=6, mtime=0)
    return Markup(base64.b64encode(packed).decode("ascii"))


def csp_hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode()).digest()).decode() + "'"


@memoized(1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("rolescope.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["count"] = wording.count  # {{ n | count("finding") }}: "1 finding", "2 findings"
    return environment


def _static(name: str) -> str:
    return resources.files("rolescope.report").joinpath("static", name).read_text(encoding="utf-8")


def _chart(document: ScanDocument, names: AccountNames) -> list[dict[str, Any]]:
    """Open findings per account and severity, as bar segments (percent widths of the largest bar)."""
    counts: dict[str, Counter[str]] = {a.account_id: Counter() for a in document.accounts}
    for finding in document.findings:
        if not finding.suppressed:
            counts.setdefault(finding.account_id, Counter())[finding.severity] += 1
    largest = max((sum(c.values()) for c in counts.values()), default=0) or 1
    bars = []
    for account_id, count in counts.items():
        offset = 0.0
        segments = []
        for severity in SEVERITIES:
            if count[severity]:
                width = 100.0 * count[severity] / largest
                segments.append({"severity": severity, "count": count[severity], "x": round(offset, 3),
                                 "width": round(width, 3)})
                offset += width
        bars.append({"account_id": account_id, "label": names.label(account_id),
                     "total": sum(count.values()), "segments": segments})
    return bars


def _component_views(document: ScanDocument, names: AccountNames) -> list[dict[str, Any]]:
    graph = document.graph or {}
    return [{"size": c.get("size", 0), "accounts": [names.label(a) for a in c.get("accounts") or ()],
             "members": [document.role_name(m) for m in c.get("members") or ()],
             "more": (c.get("truncated") or {}).get("members", 0)} for c in graph.get("components") or ()]


def build_view(document: ScanDocument, fixes: Fixes) -> dict[str, Any]:
    """What the template renders itself (the summary, compliance, problems) and the data the page's script
    renders on demand (``data``: findings, roles, policies, fixes and the graph)."""
    names = AccountNames.of(document)
    open_counts = Counter(f.severity for f in document.findings if not f.suppressed)
    data = page_data(document, fixes, names)
    data["graph"] = graph_data(document, names)
    data["edgeClasses"] = EDGE_CLASSES
    data["severities"] = list(SEVERITIES)
    graph = data["graph"]
    scope = document.scope
    return {
        "document": {"tool": {"version": document.tool.version}, "generated_at": document.generated_at,
                     "schema": document.schema},
        "organization": {"id": document.organization.id if document.organization else None},
        "summary": {"roles": document.summary.roles, "accounts": document.summary.accounts},
        "severities": list(SEVERITIES),
        "open_counts": open_counts,
        "finding_count": len(document.findings),
        "suppressed_count": sum(1 for f in document.findings if f.suppressed),
        "chart": _chart(document, names),
        "checks": sorted((check_id, entry["title"]) for check_id, entry in data["checks"].items()),
        "accounts": [(a.account_id, names.label(a.account_id)) for a in document.accounts],
        "failed_accounts": list(document.failed_accounts),
        "graph": graph,
        "edge_classes": EDGE_CLASSES,
        "edge_counts": Counter(graph["ways"][way]["class"] for _, _, way in graph["edges"]),
        "rcp_exception_edges": sum(1 for _, _, way in graph["edges"] if "rcpException" in graph["ways"][way]),
        "perimeter": {"policies": policy_rows(document, names), "line": perimeter_line(document)},
        "components": _component_views(document, names),
        "compliance": compliance_reports(document),
        "account_names": names.names,
        "scope": {"filtered": scope.filtered, "accounts": list(scope.accounts or ()),
                  "severities": list(scope.severities)},
        "suppressions": {"source": document.suppressions.source, "expired": list(document.suppressions.expired)},
        "errors": list(document.errors),
        "fix_error": fixes.error,
        "data": data,
    }


def render_html(document: ScanDocument, fixes: Fixes) -> bytes:
    """The report page of a scan.

    Args:
        document: the scan document.
        fixes: its corrected policies (:func:`rolescope.remediate.report_fixes.fixes_for_report`).
    """
    view = build_view(document, fixes)
    # the library first, then the page's own script, each its own block allowed by its hash
    scripts = [Markup(library.source) for library in vendored_scripts()] + [Markup(_static("report.js"))]
    style = _static("report.css")
    csp = (f"default-src 'none'; script-src {' '.join(csp_hash(s) for s in scripts)}; "
           f"style-src {csp_hash(style)}; base-uri 'none'; form-action 'none'")
    # the scripts and style are the package's own files, not scan data
    page = _environment().get_template("report.html.j2").render(
        view=view, scripts=scripts, style=Markup(style), data=embedded_data(view["data"]), csp=csp)
    return page.encode("utf-8")


def write_html(document: ScanDocument, fixes: Fixes, stream: BinaryIO) -> None:
    """:func:`render_html` into ``stream`` (the page is rendered whole: it is one document for a browser)."""
    stream.write(render_html(document, fixes))
