"""Severities and thresholds come from the catalogue; overrides (a check's, the user's) say why."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust

from rolescope.checks import context
from rolescope.checks.catalogue import load_catalogue, parse_catalogue
from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import Finding, OverriddenSeverity, SeverityOverride
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.scanner import scan_snapshots

NOW = datetime(2026, 11, 23, tzinfo=UTC)
ORG = parse_organization(organization(ACCOUNT, MEMBER))


def test_a_finding_takes_its_severity_from_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = load_catalogue()
    public = replace(catalogue.get("public-trust"), severity="low")
    monkeypatch.setattr(context, "load_catalogue", lambda: replace(catalogue, checks={**catalogue.checks,
                                                                                      "public-trust": public}))
    snapshot = parse_gaad(gaad(role("open", trust(allow("*")))), "t.json")
    result = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW))
    (finding,) = [f for f in result.findings if f.check == "public-trust"]
    assert (finding.severity, finding.overridden) == ("low", None)


def test_settings_thresholds_are_the_catalogue_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue = load_catalogue()
    tuned = {check_id: replace(info, parameters={name: replace(value, default=value.default + 7)
                                                 for name, value in info.parameters.items()})
             for check_id, info in catalogue.checks.items()}
    monkeypatch.setattr(context, "load_catalogue", lambda: replace(catalogue, checks=tuned))
    settings = CheckSettings()
    for info in catalogue.checks.values():
        for name, value in info.parameters.items():
            assert getattr(settings, name) == value.default + 7


def test_the_users_severity_wins_over_the_catalogue_and_the_checks_override() -> None:
    snapshot = parse_gaad(gaad(
        role("admin-open", trust(allow({"AWS": OUTSIDER})), managed=("AdministratorAccess",)),
        role("admin-guarded", trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "z" * 24}})),
             managed=("AdministratorAccess",)),
    ), "t.json")
    wanted = SeverityOverride("low", "intra-organisation automation, reviewed in SEC-12")
    settings = CheckSettings(organization=ORG, now=NOW,
                             severity_overrides={"privileged-cross-account-role": wanted})
    found = [f for f in scan_snapshots([snapshot], settings).findings if f.check == "privileged-cross-account-role"]
    assert len(found) == 2
    assert {(f.severity, f.overridden) for f in found} == {("low", OverriddenSeverity("high", wanted.reason))}


def test_an_override_to_the_catalogue_severity_is_no_override() -> None:
    settings = CheckSettings(severity_overrides={"public-trust": SeverityOverride("critical", "as shipped")})
    assert settings.severity("public-trust") == ("critical", None)
    assert settings.severity("weak-external-id", SeverityOverride("low", "lowered")) == (
        "low", OverriddenSeverity("medium", "lowered"))


@pytest.mark.parametrize(("field", "value"), [
    ("severity", "severe"),
    ("parameters", {"days": 90}),
    ("parameters", {"days": {"default": "90", "minimum": 1, "maximum": 400}}),
    ("parameters", {"days": {"default": 900, "minimum": 1, "maximum": 400}}),
])
def test_the_catalogue_refuses_a_bad_severity_or_parameter(field: str, value: object) -> None:
    entry = {"id": "x", "title": "X", "severity": "low", field: value}
    with pytest.raises(ValueError, match="catalogue: check x"):
        parse_catalogue({"checks": [entry]})


def test_every_override_a_check_can_ask_for_is_declared_in_the_catalogue() -> None:
    # The filters trust may_override_to: an override a check can return but the catalogue does not
    # declare would let `--severity` call a reachable severity impossible (and the reverse, dead data).
    from rolescope.checks import registry

    catalogue = load_catalogue()
    asked: dict[str, set[str]] = {check_id: set() for check_id in registry.CHECK_IDS}
    for check in (*registry.CHECKS, *registry.ACCOUNT_CHECKS):
        module = sys.modules[check.run.__module__]
        asked[check.id] |= {value.severity for value in vars(module).values() if isinstance(value, SeverityOverride)}
    assert asked == {check_id: set(info.may_override_to) for check_id, info in catalogue.checks.items()}
    assert asked["privileged-cross-account-role"] == {"medium"}


def test_a_check_asking_for_an_undeclared_severity_is_that_checks_error() -> None:
    from rolescope.checks.registry import RegisteredCheck, run_checks

    snapshot = parse_gaad(gaad(role("open", trust(allow("*")))), "t.json")
    account = scan_snapshots([snapshot], CheckSettings(organization=ORG, now=NOW)).accounts[0]
    analysed = next(r for r in account.roles if r.role.name == "open")
    assert analysed.analysis is not None
    settings = CheckSettings(organization=ORG, now=NOW)
    raised = context.RoleContext(ACCOUNT, analysed.role.arn, analysed.analysis, settings, analysed.role, snapshot)

    def rogue(role_context: context.RoleContext) -> Iterator[Finding]:
        yield role_context.finding("public-trust", "m", override=SeverityOverride("info", "made up"))

    findings, errors = run_checks(raised, [RegisteredCheck("public-trust", rogue, False)])
    assert findings == []
    assert [e.error for e in errors] == ["ValueError: check public-trust asked for severity info, which its catalogue "
                                         "entry does not declare in may_override_to"]


def test_possible_severities_are_the_catalogues_and_the_declared_or_the_users_alone() -> None:
    settings = CheckSettings()
    assert settings.possible_severities("weak-external-id") == {"medium", "low"}
    assert settings.possible_severities("unused-cross-account-role") == {"low"}
    users = CheckSettings(severity_overrides={"weak-external-id": SeverityOverride("high", "policy")})
    assert users.possible_severities("weak-external-id") == {"high"}


def test_the_catalogue_refuses_an_undeclarable_override() -> None:
    with pytest.raises(ValueError, match="catalogue: check x: severity 'severe'"):
        parse_catalogue({"checks": [{"id": "x", "title": "X", "severity": "low", "may_override_to": ["severe"]}]})
    with pytest.raises(ValueError, match="may_override_to must be a list"):
        parse_catalogue({"checks": [{"id": "x", "title": "X", "severity": "low", "may_override_to": "medium"}]})
