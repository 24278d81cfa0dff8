"""rolescope.yaml from the command line: found in the working directory (only), --config, --no-config;
option defaults through click's default_map with the command line winning; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.factories import OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_json

from rolescope.cli.main import cli

ADMIN_REASON = "admin from outside is an incident for us"
CONFIG = f"""
checks:
  privileged-cross-account-role:
    severity: critical
    reason: {ADMIN_REASON}
"""
DATADOG = "464622532012"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def demo_json(out: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    """``rolescope ARGS --format json --output OUT`` (ARGS name the command, ``demo`` by default)."""
    result = invoke(*(args or ("demo",)), "--format", "json", "--output", str(out))
    return result, json.loads(out.read_text())


def privileged(document: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["severity"], (f.get("severity_override") or {}).get("reason"))
            for f in document["findings"] if f["check"] == "privileged-cross-account-role"}


def outside_roles(document: dict[str, Any]) -> set[str]:
    return {f["resource"] for f in document["findings"] if f["check"] == "trust-to-account-outside-organization"}


def test_the_file_in_the_working_directory_is_used_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    (tmp_path / "rolescope.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    result, document = demo_json(tmp_path / "out.json")
    assert "rolescope: config: rolescope.yaml" in result.stderr
    assert privileged(document) == {("critical", ADMIN_REASON)}


def test_no_config_ignores_it_and_parent_directories_are_not_searched(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rolescope.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    result, document = demo_json(tmp_path / "out.json", "--no-config", "demo")
    assert "rolescope: config" not in result.stderr and {s for s, _ in privileged(document)} == {"high", "medium"}
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result, document = demo_json(tmp_path / "out.json")
    assert "rolescope: config" not in result.stderr and {s for s, _ in privileged(document)} == {"high", "medium"}


def test_option_defaults_come_from_the_file_and_the_command_line_wins(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("defaults:\n  demo:\n    severity: [low]\n    fail_on: low\n")
    result, document = demo_json(tmp_path / "out.json", "--config", str(config), "demo")
    assert {f["severity"] for f in document["findings"]} == {"low"}
    assert result.exit_code == 1
    result, document = demo_json(tmp_path / "out.json", "--config", str(config), "demo", "--severity", "critical",
                                 "--fail-on", "critical")
    assert {f["severity"] for f in document["findings"]} == {"critical"}


def test_a_yaml_date_is_the_text_of_the_date(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("defaults: {demo: {as-of: 2027-11-23}}\n")
    _, later = demo_json(tmp_path / "out.json", "--config", str(config), "demo")
    _, plain = demo_json(tmp_path / "out.json", "--no-config", "demo")
    unused = [[f for f in d["findings"] if f["check"] == "unused-cross-account-role"] for d in (plain, later)]
    assert len(unused[1]) > len(unused[0])


def test_trusted_accounts_are_the_default_of_the_option(tmp_path: Path) -> None:
    _, plain = demo_json(tmp_path / "out.json", "--no-config", "demo")
    config = tmp_path / "team.yaml"
    config.write_text(f'trusted_accounts: ["{DATADOG}"]\n')
    _, trusting = demo_json(tmp_path / "out.json", "--config", str(config), "demo")
    datadog = {arn for arn in outside_roles(plain) if "Datadog" in arn}
    assert datadog and outside_roles(trusting) == outside_roles(plain) - datadog
    _, replaced = demo_json(tmp_path / "out.json", "--config", str(config), "demo", "--trusted-accounts",
                            "111122223333")
    assert outside_roles(replaced) == outside_roles(plain)


def test_check_parameters_reach_check_policy_and_the_fix_planner(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("checks:\n  weak-external-id:\n    parameters: {min_external_id_length: 24}\n")
    policy = tmp_path / "trust.json"
    policy.write_text(json.dumps(trust(allow({"AWS": OUTSIDER}, condition={
        "StringEquals": {"sts:ExternalId": "vendor-issued-0123456"}}))))
    checked = invoke("--config", str(config), "check-policy", "--account-id", "111122223333", "--format", "json",
                     str(policy))
    assert [f["check"] for f in json.loads(checked.stdout)["findings"]] == ["weak-external-id"]
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))))
    planned = invoke("--config", str(config), "fix", "plan", "--from", str(scan), "--out", str(tmp_path / "p.json"),
                     "--external-id", "vendor-issued-0123456")
    assert planned.exit_code == 2 and "fewer than 24 characters" in planned.stderr


def test_the_session_limit_of_the_file_is_what_the_fix_lowers_to(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("checks:\n  long-session-cross-account-role:\n    parameters: {max_session_seconds: 7200}\n")
    scan = tmp_path / "scan.json"
    guarded = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "x" * 32}}))
    scan.write_text(json.dumps(scan_json(role("vendor", guarded, max_session=43200))))
    plan = tmp_path / "p.json"
    planned = invoke("--config", str(config), "fix", "plan", "--from", str(scan), "--out", str(plan))
    assert planned.exit_code == 0, planned.output
    [change] = json.loads(plan.read_text())["changes"]
    assert change["max_session_duration"] == {"before": 43200, "after": 7200}


@pytest.mark.parametrize(("text", "message"), [
    ("defaults: {scna: {}}", "team.yaml: defaults: unknown command 'scna' (did you mean 'scan'?)"),
    ("defaults: {scan: {fial-on: high}}", "team.yaml: defaults.scan: unknown option 'fial-on' (did you mean "
                                          "'fail-on'?)"),
    ("defaults: {scan: {fail-on: extreme}}", "team.yaml: defaults.scan.fail-on: no such severity 'extreme' "
                                             "(known: critical"),
    ("defaults: {scan: {jobs: 0}}", "team.yaml: defaults.scan.jobs: 0 is not in the range"),
    ("defaults: {scan: {unused-days: [3]}}", "defaults.scan.unused-days: expected text, a number or true/false, "
                                             "not a list (the option is not repeatable)"),
    ("defaults: {scan: {check: [{a: 1}]}}", "defaults.scan.check: expected text, a number or true/false, not dict"),
    ("defaults: {scan: {as-of: 2026-02-30}}", "team.yaml: not valid YAML"),
    ("trusted_accounts: ['111122223333']\ndefaults: {scan: {trusted-accounts: '444455556666'}}",
     "team.yaml: defaults.scan: trusted-accounts is also given by trusted_accounts"),
    ("checks: {public-trust: {severity: low}}", "team.yaml: checks.public-trust.reason: a severity override needs"),
])
def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "team.yaml"
    config.write_text(text)
    result = CliRunner().invoke(cli, ["--config", str(config), "demo"])
    assert result.exit_code == 2
    assert result.stderr.startswith("rolescope: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--config", "{tmp}/missing.yaml", "demo"], "missing.yaml: no such file"),
    (["--config", "{tmp}", "demo"], "is a directory"),
    (["--config", "{tmp}/x.yaml", "--no-config", "demo"], "--config and --no-config exclude each other"),
])
def test_config_option_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2 and message in result.stderr


def test_the_documented_example_is_a_valid_file(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "docs" / "config.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "rolescope.yaml"
    config.write_text(example)
    result, document = demo_json(tmp_path / "out.json", "--config", str(config), "demo")
    assert result.exit_code in (0, 1), result.stderr
    assert {s for s, _ in privileged(document)} == {"medium"}


@pytest.mark.parametrize("where", [["--config", "{file}"], ["--config={file}"]])
def test_config_after_the_command_is_the_same_as_before_it(tmp_path: Path, where: list[str]) -> None:
    config = tmp_path / "team.yaml"
    config.write_text(CONFIG)
    result, document = demo_json(tmp_path / "out.json", "demo", *(w.format(file=config) for w in where))
    assert f"rolescope: config: {config}" in result.stderr
    assert privileged(document) == {("critical", ADMIN_REASON)}
    result, document = demo_json(tmp_path / "out.json", "demo", "--no-config")
    assert "rolescope: config" not in result.stderr


def test_a_broken_file_does_not_hide_the_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rolescope.yaml").write_text("bogus: 1\n")
    monkeypatch.chdir(tmp_path)
    result = invoke("scan", "--help")
    assert result.exit_code == 0 and "Usage: " in result.output
    assert "unknown key 'bogus'" in result.stderr and "ignored for --help" in result.stderr
    assert invoke("scan", "--from", str(tmp_path)).exit_code != 0  # not for anything else
