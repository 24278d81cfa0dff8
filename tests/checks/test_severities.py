"""Severities and thresholds come from the catalogue; overrides (a check's, the user's) say why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust

from rolescope.checks import context
from rolescope.checks.catalogue import load_catalogue, parse_catalogue
from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import OverriddenSeverity, SeverityOverride
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
    assert settings.severity("weak-external-id", SeverityOverride("high", "raised")) == (
        "high", OverriddenSeverity("medium", "raised"))


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
