"""The corrected policies the HTML report shows: planned once by the report's writer, refusals noted, bugs raised."""

from __future__ import annotations

import io
from typing import Any

import pytest

from rolescope.remediate.errors import PlanError
from rolescope.remediate.plan import Plan
from rolescope.remediate.report_fixes import fixes_for_report, plan_with_defaults
from rolescope.report.fixes import Fixes
from rolescope.report.formats import model_writers
from rolescope.report.model import ScanDocument
from rolescope.report.reader import parse_document


def test_the_default_plan_gives_each_fixable_finding_its_verified_policy(demo_document: dict[str, Any]) -> None:
    document = parse_document(demo_document)
    plan = plan_with_defaults(document)
    fixes = fixes_for_report(document)
    assert fixes.error is None and plan.changes
    for change in plan.changes:
        for finding_id in change.findings:
            shown = fixes.by_finding[finding_id]
            assert shown.checks == change.checks and shown.policy.startswith("{")
            if change.trust_changes:
                assert shown.diff[0] == f"--- {change.role_name} (current)"
            else:  # a role setting only: nothing to diff, the command says what changes
                assert shown.diff == () and "--max-session-duration" in shown.cli
    assert fixes.reasons == {(n.role_arn, n.check): n.reason for n in plan.not_fixed}


def test_a_refusal_of_the_planner_becomes_the_pages_note(demo_document: dict[str, Any]) -> None:
    def refuses(_: ScanDocument) -> Plan:
        raise PlanError("the scan holds no roles")

    fixes = fixes_for_report(parse_document(demo_document), refuses)
    assert fixes == Fixes(error="PlanError: the scan holds no roles")


def test_a_bug_in_the_planner_is_raised_not_hidden_on_the_page(demo_document: dict[str, Any]) -> None:
    def broken(_: ScanDocument) -> Plan:
        raise KeyError("planner bug")

    with pytest.raises(KeyError, match="planner bug"):
        fixes_for_report(parse_document(demo_document), broken)


def test_the_html_writer_asks_the_planner_once_and_shows_its_answer(demo_document: dict[str, Any]) -> None:
    document = parse_document(demo_document)
    asked: list[ScanDocument] = []

    def planner(finished: ScanDocument) -> Fixes:
        asked.append(finished)
        return Fixes(error="PlanError: from the injected planner")

    stream = io.BytesIO()
    model_writers(planner)["html"](document, stream)
    assert asked == [document]
    page = stream.getvalue().decode()
    assert "Corrected policies could not be computed: PlanError: from the injected planner" in page
