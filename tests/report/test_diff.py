"""diff: new, resolved, unchanged, and findings the new scan could not re-assess."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from rolescope.report.diff import ScanDiff, render_diff_markdown
from rolescope.report.diff import diff_documents as diff_typed
from rolescope.report.model import FindingEntry
from rolescope.report.reader import parse_document

A, B = "111111111111", "222222222222"


def finding(ident: str, account: str = A, check: str = "public-trust", severity: str = "critical",
            suppressed: str | None = None) -> dict[str, Any]:
    return {"id": ident, "check": check, "severity": severity, "account_id": account,
            "resource": f"arn:aws:iam::{account}:role/{ident}", "suppressed": suppressed}


def scan(*findings: dict[str, Any], failed: tuple[str, ...] = (), **scope: Any) -> dict[str, Any]:
    return {
        "schema": "rolescope.scan/v1",
        "generated_at": "2026-11-23T00:00:00+00:00",
        "accounts": [{"account_id": a, "status": "failed" if a in failed else "scanned", "roles": []} for a in (A, B)],
        "findings": list(findings),
        **({"scope": scope} if scope else {}),
    }


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> ScanDiff:
    """The diff of two documents as files hold them (read through the typed reader)."""
    return diff_typed(parse_document(old), parse_document(new))


def ids(findings: list[FindingEntry]) -> list[str]:
    return [f.id for f in findings]


def test_new_resolved_unchanged() -> None:
    old = scan(finding("kept"), finding("fixed", severity="low"))
    new = scan(finding("kept"), finding("added", account=B, severity="high"))
    diff = diff_documents(old, new)
    assert (ids(diff.new), ids(diff.resolved), ids(diff.unchanged), diff.not_reassessed, diff.changed) == (
        ["added"], ["fixed"], ["kept"], [], [])


def test_a_failed_account_resolves_nothing() -> None:
    diff = diff_documents(scan(finding("a"), finding("b", account=B)), scan(finding("a"), failed=(B,)))
    assert ids(diff.resolved) == [] and ids(diff.not_reassessed) == ["b"]


def test_an_account_missing_from_the_new_scan_resolves_nothing() -> None:
    new = scan()
    new["accounts"] = [a for a in new["accounts"] if a["account_id"] == A]
    diff = diff_documents(scan(finding("b", account=B)), new)
    assert ids(diff.not_reassessed) == ["b"]


def test_checks_and_severities_the_new_scan_left_out_resolve_nothing() -> None:
    old = scan(finding("p"), finding("u", check="unused-cross-account-role", severity="low"))
    diff = diff_documents(old, scan(checks=["unused-cross-account-role"], severities=["critical", "low"]))
    assert (ids(diff.resolved), ids(diff.not_reassessed)) == (["u"], ["p"])
    diff = diff_documents(old, scan(checks=["public-trust", "unused-cross-account-role"], severities=["critical"]))
    assert (ids(diff.resolved), ids(diff.not_reassessed)) == (["p"], ["u"])


def test_changes_of_severity_and_suppression_are_reported() -> None:
    old = scan(finding("s", severity="high"), finding("q"), finding("same"))
    new = scan(finding("s", severity="medium"), finding("q", suppressed="accepted"), finding("same"))
    diff = diff_documents(old, new)
    assert [(c.new.id, c.describe()) for c in diff.changed] == [("q", "now suppressed"),
                                                                  ("s", "severity high -> medium")]
    assert ids(diff.unchanged) == ["q", "same", "s"]


def test_results_are_sorted_most_severe_first() -> None:
    new = scan(finding("l", severity="low"), finding("c"), finding("m", severity="medium"))
    assert ids(diff_documents(scan(), new).new) == ["c", "m", "l"]


def test_the_demo_against_itself_changes_nothing(demo_document: dict[str, Any]) -> None:
    diff = diff_documents(demo_document, copy.deepcopy(demo_document))
    assert len(diff.unchanged) == len(demo_document["findings"])
    assert not (diff.new or diff.resolved or diff.not_reassessed or diff.changed)


def test_markdown_escapes_what_would_break_the_table() -> None:
    hostile = finding("x")
    hostile["resource"] = "arn:aws:iam::111111111111:role/a|b`<img src=x>\nc"
    text = render_diff_markdown(diff_documents(scan(), scan(hostile)))
    assert text.startswith("**rolescope**: 1 new, 0 resolved, 0 unchanged findings.")
    row = next(line for line in text.splitlines() if line.startswith("| critical"))
    # the line break is shown as an escape, not obeyed; inside a code span Markdown shows backslashes and
    # entities as written, so they are not escaped again
    assert row == ("| critical | public-trust | `arn:aws:iam::111111111111:role/a\\|b'<img src=x>\\nc` | "
                   "111111111111 |")


def test_markdown_code_spans_display_the_role_as_written() -> None:
    # rendered as GitHub does (CommonMark with tables, by the markdown-it that rich already brings)
    from markdown_it import MarkdownIt

    resource = "arn:aws:iam::111111111111:role/a\\b|c<d>&amp;"
    hostile = finding("x")
    hostile["resource"] = resource
    changed = [finding("x"), finding("x")]
    changed[0]["resource"] = changed[1]["resource"] = resource
    changed[1]["severity"] = "low"
    html = MarkdownIt("commonmark").enable("table").render(
        render_diff_markdown(diff_documents(scan(), scan(hostile))) + render_diff_markdown(
            diff_documents(scan(changed[0]), scan(changed[1]))))
    shown = "arn:aws:iam::111111111111:role/a\\b|c&lt;d&gt;&amp;amp;"  # as the HTML writes the text
    assert html.count(f"<code>{shown}</code>") == 2, html


def test_a_v1_scan_diffs_against_a_v2_scan_by_the_same_ids(demo_document: dict[str, Any]) -> None:
    v1 = json.loads((Path(__file__).parent / "data" / "scan-v1-two-accounts.json").read_text())
    diff = diff_documents(v1, demo_document)
    assert not diff.resolved and not diff.not_reassessed and not diff.changed
    assert set(ids(diff.unchanged)) == {f["id"] for f in v1["findings"]}
    # new there only from checks added after the v1 file was written
    later = {"identity-assume-any-role"}
    assert {f.account_id for f in diff.new if f.check not in later}.isdisjoint({"973518402756", "751396280534"})
