"""The HTML report: one self-contained page with the summary, the trust graph, findings and compliance.

Everything the page needs is inlined (no request at view time) and a Content-Security-Policy allows
only the page's own script and style, by hash, so a string from AWS data that escaped escaping
still could not run. Jinja2 escapes every value (autoescape); the data the script reads is JSON in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` written as ``\\u`` escapes, so a
value cannot close the block.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any, BinaryIO

import jinja2
import orjson
from markupsafe import Markup

from rolescope import wording
from rolescope.caches import memoized
from rolescope.checks.catalogue import SEVERITIES, load_catalogue, severity_rank
from rolescope.report.compliance import compliance_reports
from rolescope.report.fixes import Fixes
from rolescope.report.graph_formats import edge_class
from rolescope.report.index import AccountNames
from rolescope.report.model import FindingEntry, ScanDocument
from rolescope.trust.graph_json import section_edges

REQUIREMENT_LABELS = {
    "mfa": "MFA", "external_id": "ExternalId", "mfa_or_external_id": "MFA or ExternalId", "org": "organisation",
    "principal_account": "principal account", "principal_arn": "principal ARN", "source_account": "source account",
    "source_arn": "source ARN", "source_org": "source organisation", "source_ip": "source IP",
    "source_vpc": "source VPC", "saml_aud": "SAML audience", "oidc_aud": "OIDC audience", "oidc_sub": "OIDC subject",
}
EDGE_CLASSES = {
    "unguarded": "cross-account, no MFA or ExternalId",
    "guarded": "cross-account, MFA or ExternalId required",
    "public": "anyone",
    "internal": "same account, service or identity provider",
}


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """A line of a pretty-printed trust policy; ``highlight`` marks the offending statement's lines."""

    text: str
    highlight: bool = False


def _dump(value: Any) -> list[str]:
    return json.dumps(value, indent=2, ensure_ascii=False).splitlines()


def policy_lines(policy: Any, highlight: frozenset[int] = frozenset()) -> list[PolicyLine]:
    """``policy`` as indented JSON lines, the lines of the statements in ``highlight`` marked.

    Args:
        policy: a trust policy document (anything JSON; only a mapping with ``Statement`` is split).
        highlight: indexes of the statements to mark.
    """
    if not isinstance(policy, dict) or "Statement" not in policy:
        return [PolicyLine(line) for line in _dump(policy)]
    lines = [PolicyLine("{")]
    keys = list(policy)
    for position, key in enumerate(keys):
        comma = "," if position < len(keys) - 1 else ""
        value = policy[key]
        prefix = f"  {json.dumps(key, ensure_ascii=False)}: "
        if key == "Statement" and isinstance(value, list):
            lines.append(PolicyLine(prefix + "["))
            for index, statement in enumerate(value):
                marked = index in highlight
                body = _dump(statement)
                body[-1] += "," if index < len(value) - 1 else ""
                lines += [PolicyLine("    " + line, marked) for line in body]
            lines.append(PolicyLine("  ]" + comma))
            continue
        marked = key == "Statement" and 0 in highlight
        body = _dump(value)
        lines.append(PolicyLine(prefix + body[0] + (comma if len(body) == 1 else ""), marked))
        lines += [PolicyLine("  " + line + (comma if i == len(body) - 2 else ""), marked)
                  for i, line in enumerate(body[1:])]
    lines.append(PolicyLine("}"))
    return lines


def highlighted_statements(finding: FindingEntry) -> frozenset[int]:
    """The statements a finding is about: its own, and those its evidence lists as open or public."""
    indexes = {finding.statement} if finding.statement is not None else set()
    for key in ("unguarded_statements", "public_statements"):
        indexes.update(i for i in finding.evidence.get(key) or () if isinstance(i, int))
    return frozenset(indexes)


def requirement_label(name: str) -> str:
    return REQUIREMENT_LABELS.get(name, name.replace("_", " "))


def role_anchor(arn: str) -> str:
    """A stable HTML id for a role."""
    return "role-" + hashlib.sha256(arn.encode()).hexdigest()[:16]


def script_json(value: Any) -> Markup:
    """``value`` as JSON that is safe inside ``<script type="application/json">``."""
    text = orjson.dumps(value).decode()
    for character, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                              ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(character, escape)
    # every character that could end the block or the page's parsing is escaped above
    return Markup(text)


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


def _finding_view(finding: FindingEntry, document: ScanDocument, names: AccountNames, fixes: Fixes
                  ) -> dict[str, Any]:
    check = document.check(finding.check)
    role = document.role(finding.resource)
    statements = highlighted_statements(finding)
    evidence = document.evidence(finding)
    paths = [p for p in evidence.get("paths") or () if not statements or p.get("statement") in statements]
    name = document.role_name(finding.resource)
    return {
        "id": finding.id,
        "check": finding.check,
        "severity": finding.severity,
        "account_id": finding.account_id,
        "resource": finding.resource,
        "title": check.title,
        "message": finding.message,
        "suppressed": finding.suppressed,
        "overridden": finding.overridden,
        "compliance": check.compliance_by_framework(),
        "role_name": name,
        "role_anchor": role_anchor(finding.resource) if role is not None else None,
        "account_label": names.label(finding.account_id),
        "rationale": check.rationale,
        "risk": check.risk,
        "references": list(check.references),
        "policy": policy_lines(role.trust.document, statements) if role is not None else [],
        "highlighted": sorted(statements),
        "paths": paths,
        "remediation": {
            "text": check.remediation.text,
            "cli": document.remediation_cli(finding),
            "terraform": check.remediation.terraform,
        },
        "fix": fixes.by_finding.get(finding.id),
        "no_fix": fixes.reasons.get((finding.resource, finding.check)),
        "search": " ".join([finding.check, check.title, finding.resource, name, finding.account_id,
                            names.name(finding.account_id) or "", finding.message,
                            finding.suppressed or ""]).lower(),
    }


def _role_views(document: ScanDocument, names: AccountNames) -> list[dict[str, Any]]:
    open_findings = Counter(f.resource for f in document.findings if not f.suppressed)
    roles: list[dict[str, Any]] = []
    for account in document.accounts:
        for role in account.roles:
            trust = role.trust
            if trust.error is not None:
                verdict = "unreadable"
            elif trust.public:
                verdict = "public"
            elif trust.cross_account:
                verdict = "guarded" if trust.mfa_or_external_id_required else "unguarded"
            else:
                verdict = "internal"
            roles.append({
                "name": role.name or role.arn.rsplit("/", 1)[-1],
                "arn": role.arn,
                "error": trust.error,
                "paths": list(trust.paths),
                "outside_accounts": list(trust.outside_accounts),
                "max_session_duration": role.max_session_duration,
                "last_used": role.last_used,
                "anchor": role_anchor(role.arn),
                "account_id": account.account_id,
                "account_label": names.label(account.account_id),
                "verdict": verdict,
                "findings": open_findings.get(role.arn, 0),
                "policy": policy_lines(trust.document),
            })
    roles.sort(key=lambda r: (-r["findings"], r["account_id"], r["name"]))
    return roles


def origin_label(origin: str, names: AccountNames) -> str:
    """An origin of the graph section for people: an account with its name, the organisation, a provider."""
    if origin.startswith("account:"):
        return "account " + names.label(origin.split(":", 1)[1])
    if origin.startswith("organization:"):
        return "organisation " + origin.split(":", 1)[1]
    return origin.rsplit("/", 1)[-1] if origin.startswith("arn:") else origin


def _graph_data(document: ScanDocument, names: AccountNames) -> dict[str, Any]:
    graph = document.graph or {"nodes": [], "edges": [], "chains": []}
    nodes = []
    for node in graph.get("nodes") or ():
        entry = {"id": node["id"], "kind": node.get("kind", "principal"), "account": node.get("account"),
                 "label": node.get("label") or node["id"].rsplit("/", 1)[-1]}
        if entry["kind"] == "account" and entry["account"]:
            entry["label"] = names.label(entry["account"])
        if document.role(node["id"]) is not None:
            entry["anchor"] = role_anchor(node["id"])
        for key in ("members", "origins", "indirect", "chain"):
            if node.get(key) is not None:
                entry[key] = node[key]
        nodes.append(entry)
    edges = [{"source": e["source"], "target": e["target"], "kind": e.get("kind") or "trust",
              "class": e.get("class") or edge_class(e),
              "requires": [requirement_label(r) for r in e.get("requires") or ()], "statement": e.get("statement"),
              "sid": e.get("sid"), "via": e.get("via")}
             for e in section_edges(graph)]
    # sorted: a set's order changes with PYTHONHASHSEED, and the same scan must give the same page
    clusters = {a: names.label(a) for a in sorted({n["account"] for n in nodes if n["account"]})}
    # rolescope.graph/v1 wrote a chain as its list of role ARNs
    chains = [chain if isinstance(chain, dict) else {"path": list(chain)} for chain in graph.get("chains") or ()
              if isinstance(chain, dict | list)]
    return {"nodes": nodes, "edges": edges, "chains": chains, "clusters": clusters,
            "origins": [origin_label(o, names) for o in graph.get("origins") or ()],
            "originSets": graph.get("origin_sets") or [],
            "originSetSizes": graph.get("origin_set_sizes") or [],
            "scanned": sorted(document.scanned_accounts), "missing": not document.graph}


def _chain_views(graph: dict[str, Any], names: AccountNames) -> list[dict[str, Any]]:
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    views = []
    for chain in graph["chains"]:
        hops = [{"id": ident, "label": labels.get(ident, ident), "account": ident.split(":")[4]
                 if ident.startswith("arn:") and ident.count(":") >= 5 else ""} for ident in chain.get("path") or ()]
        views.append({"hops": hops, "explanation": chain.get("explanation") or "", "count": chain.get("hops"),
                      "origin": origin_label(str(chain.get("origin") or ""), names)})
    return views


def _component_views(document: ScanDocument, names: AccountNames) -> list[dict[str, Any]]:
    graph = document.graph or {}
    return [{"size": c.get("size", 0), "accounts": [names.label(a) for a in c.get("accounts") or ()],
             "members": [document.role_name(m) for m in c.get("members") or ()],
             "more": (c.get("truncated") or {}).get("members", 0)} for c in graph.get("components") or ()]


def build_view(document: ScanDocument, fixes: Fixes) -> dict[str, Any]:
    """Everything the template shows, derived from the scan document and its fixes (and the catalogue)."""
    names = AccountNames.of(document)
    findings = sorted(document.findings, key=lambda f: (bool(f.suppressed), severity_rank(f.severity),
                                                        f.account_id, f.resource, f.check))
    views = [_finding_view(f, document, names, fixes) for f in findings]
    graph = _graph_data(document, names)
    catalogue = load_catalogue()
    scope = document.scope
    return {
        "document": {"tool": {"version": document.tool.version}, "generated_at": document.generated_at,
                     "schema": document.schema},
        "organization": {"id": document.organization.id if document.organization else None},
        "summary": {"roles": document.summary.roles, "accounts": document.summary.accounts},
        "severities": list(SEVERITIES),
        "open_counts": Counter(f.severity for f in findings if not f.suppressed),
        "suppressed_count": sum(1 for f in findings if f.suppressed),
        "chart": _chart(document, names),
        "findings": views,
        "checks": sorted({(f.check, document.check(f.check).title) for f in findings}),
        "accounts": [(a.account_id, names.label(a.account_id)) for a in document.accounts],
        "failed_accounts": list(document.failed_accounts),
        "roles": _role_views(document, names),
        "graph": graph,
        "edge_classes": EDGE_CLASSES,
        "edge_counts": Counter(e["class"] for e in graph["edges"]),
        "chains": _chain_views(graph, names),
        "components": _component_views(document, names),
        "graph_truncated": (document.graph or {}).get("truncated") or {},
        "graph_summary": (document.graph or {}).get("summary") or {},
        "compliance": compliance_reports(document),
        "frameworks": catalogue.frameworks,
        "account_names": names.names,
        "scope": {"filtered": scope.filtered, "accounts": list(scope.accounts or ()),
                  "severities": list(scope.severities)},
        "suppressions": {"source": document.suppressions.source, "expired": list(document.suppressions.expired)},
        "errors": list(document.errors),
        "requirement_label": requirement_label,
        "fix_error": fixes.error,
    }


def render_html(document: ScanDocument, fixes: Fixes) -> bytes:
    """The report page of a scan.

    Args:
        document: the scan document.
        fixes: its corrected policies (:func:`rolescope.remediate.report_fixes.fixes_for_report`).
    """
    view = build_view(document, fixes)
    script, style = _static("report.js"), _static("report.css")
    data = script_json({"graph": view["graph"], "edgeClasses": EDGE_CLASSES})
    csp = (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
           "base-uri 'none'; form-action 'none'")
    # the script and style are the package's own files, not scan data
    page = _environment().get_template("report.html.j2").render(
        view=view, script=Markup(script), style=Markup(style), data=data, csp=csp)
    return page.encode("utf-8")


def write_html(document: ScanDocument, fixes: Fixes, stream: BinaryIO) -> None:
    """:func:`render_html` into ``stream`` (the page is rendered whole: it is one document for a browser)."""
    stream.write(render_html(document, fixes))
