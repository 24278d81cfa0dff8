"""rolescope.yaml as a library reads it: validated whole, one-line errors, applied to the check settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import SeverityOverride
from rolescope.config import ConfigError, load_config, parse_config

FULL = """
defaults:
  scan: {format: json, fail-on: high}
trusted_accounts: ["111122223333", "444455556666"]
vendor_accounts:
  - name: Acme Backup
    accounts: ["777788889999"]
  - name: Renamed Datadog
    accounts: "464622532012"
checks:
  weak-external-id:
    parameters: {min_external_id_length: 24}
  unused-cross-account-role:
    parameters: {unused_days: 30}
  privileged-cross-account-role:
    severity: medium
    reason: " intra-organisation automation,
      reviewed in SEC-118 "
"""


def test_a_full_file_is_read_into_typed_settings() -> None:
    config = parse_config(FULL, "rolescope.yaml")
    assert config.defaults == {"scan": {"format": "json", "fail-on": "high"}}
    assert config.trusted_accounts == ("111122223333", "444455556666")
    settings = config.apply(CheckSettings())
    assert (settings.min_external_id_length, settings.unused_days) == (24, 30)
    assert settings.max_session_seconds == CheckSettings().max_session_seconds
    assert settings.severity_overrides == {"privileged-cross-account-role": SeverityOverride(
        "medium", "intra-organisation automation, reviewed in SEC-118")}
    assert settings.vendors.name_of("777788889999") == "Acme Backup"
    assert settings.vendors.name_of("464622532012") == "Renamed Datadog"  # the user's name wins
    assert settings.vendors.name_of("454464851268") == "Cloudhealth"  # the bundled list stays


def test_an_empty_file_changes_nothing() -> None:
    settings = CheckSettings()
    assert parse_config("", "rolescope.yaml").apply(settings) is settings


@pytest.mark.parametrize(("text", "message"), [
    ("- a list", "rolescope.yaml: expected a mapping with keys defaults, trusted_accounts"),
    ("chekcs: {}", "rolescope.yaml: top level: unknown key 'chekcs' (did you mean 'checks'?)"),
    ("colour: red", "rolescope.yaml: top level: unknown key 'colour' (expected one of: checks, defaults, "),
    ("checks: {public-trsut: {}}", "checks: unknown check 'public-trsut' (did you mean 'public-trust'?)"),
    ("checks: {public-trust: {severty: low}}", "checks.public-trust: unknown key 'severty' (did you mean "
                                               "'severity'?)"),
    ("checks: {public-trust: {severity: low}}", "checks.public-trust.reason: a severity override needs a reason"),
    ("checks: {public-trust: {reason: why}}", "checks.public-trust.severity: must be one of critical, high"),
    ("checks: {public-trust: {severity: severe, reason: x}}", "must be one of critical, high, medium, low, info, "
                                                              "not 'severe'"),
    ("checks: {public-trust: {severity: low, reason: '  '}}", "checks.public-trust.reason: must be non-empty text"),
    ("checks: {public-trust: {parameters: {x: 1}}}", "checks.public-trust.parameters: the check has no parameters"),
    ("checks: {weak-external-id: {parameters: {min_length: 9}}}",
     "checks.weak-external-id.parameters: unknown parameter 'min_length' (did you mean 'min_external_id_length'?)"),
    ("checks: {weak-external-id: {parameters: {min_external_id_length: 33}}}",
     "min_external_id_length: must be a whole number from 2 to 32, not 33"),
    ("checks: {unused-cross-account-role: {parameters: {unused_days: '90'}}}",
     "unused_days: must be a whole number from 1 to 3650, not '90'"),
    ("checks: [public-trust]", "rolescope.yaml: checks: expected a mapping, not list"),
    ("trusted_accounts: [11112222333]", "'trusted_accounts' must be a 12-digit account id (quote it)"),
    ("vendor_accounts: {name: x}", "vendor_accounts: expected a list of {name, accounts}"),
    ("vendor_accounts: [{name: Acme}]", "vendor_accounts #1: 'accounts' is required"),
    ("vendor_accounts: [{name: Acme, accounts: [], url: x}]", "vendor_accounts #1: unknown key 'url'"),
    ("defaults: {scan: fast}", "defaults.scan: expected a mapping, not str"),
    ("checks: {public-trust: {severity: [low", "rolescope.yaml: not valid YAML at line 1"),
])
def test_every_problem_is_one_line_naming_the_file_and_the_place(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "rolescope.yaml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_or_undecodable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "rolescope.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"checks: {}\n# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "latin.yaml")
