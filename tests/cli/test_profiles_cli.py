"""``rolescope profiles --from-scan`` on the README's example (docs/examples/cross-account-admin; the walk-through
itself is tests/test_readme_walk_through.py): the roles can-assume lists, and every bad input as one line and
exit 2."""

from __future__ import annotations

import configparser
import json
import shutil
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolescope.cli.main import cli, main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cross-account-admin"
ALICE, NOBODY = "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/nobody"
ADMIN_ROLE = "arn:aws:iam::444455556666:role/CrossAccountAdminRole"
DEPLOY_ROLE = "arn:aws:iam::777788889999:role/DeployRole"
MFA = "arn:aws:iam::111122223333:mfa/alice"
ALICE_PROFILE = f"# alice's keys are in ~/.aws/credentials\n[profile alice]\nregion = eu-west-1\nmfa_serial = {MFA}\n"


@pytest.fixture(scope="module")
def scan_document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("scan") / "seed.json"
    result = CliRunner().invoke(cli, ["scan", "--from", str(EXAMPLE), "--jobs", "1", "--format", "json",
                                      "--output", str(output)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return output


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aws" / "config"
    path.parent.mkdir()
    path.write_text(ALICE_PROFILE)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return path


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """``rolescope ARGS`` through the entry point (its one-line errors and exit codes); the exit code."""
    monkeypatch.setattr(sys, "argv", ["rolescope", *args])
    try:
        main()
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def profiles(monkeypatch: pytest.MonkeyPatch, document: Path, *args: str) -> int:
    return run_main(monkeypatch, "profiles", "--from-scan", str(document), "--source-profile", "alice", *args)


def test_the_diff_first_then_the_write_then_nothing_to_change(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str],
                                                               scan_document: Path, config: Path) -> None:
    args = ("--principal", ALICE, "--external-id", "DeployRole=deploy-7Hq2", "--duration", "max")
    assert profiles(monkeypatch, scan_document, *args) == 0
    shown = capsys.readouterr()
    assert "+[profile prod-CrossAccountAdminRole]\n" in shown.out and "not written (--write writes it)" in shown.err
    assert config.read_text() == ALICE_PROFILE
    assert profiles(monkeypatch, scan_document, *args, "--write") == 0
    written = config.read_text()
    assert written.startswith(ALICE_PROFILE + "\n[profile prod-CrossAccountAdminRole]\n")
    capsys.readouterr()
    assert profiles(monkeypatch, scan_document, *args, "--write") == 0
    assert "nothing to change" in capsys.readouterr().err and config.read_text() == written


def test_a_role_principal_chains_from_its_own_session(monkeypatch: pytest.MonkeyPatch, scan_document: Path,
                                                      config: Path) -> None:
    assert profiles(monkeypatch, scan_document, "--principal", ADMIN_ROLE, "--external-id",
                    f"{DEPLOY_ROLE}=deploy-7Hq2", "--duration", "max", "--write") == 0
    assert config.read_text().endswith(f"role_arn = {DEPLOY_ROLE}\nsource_profile = alice\n"
                                       "external_id = deploy-7Hq2\nduration_seconds = 3600\n")


PUBLIC_ROLE = {"Path": "/", "RoleName": "PublicRead", "RoleId": "AROAPUBLICREADXXXXXXX", "MaxSessionDuration": 3600,
               "Arn": "arn:aws:iam::444455556666:role/PublicRead", "CreateDate": "2025-01-06T09:00:00+00:00",
               "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                   {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]},
               "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []}


@pytest.mark.parametrize("public_role", [False, True])
def test_from_scan_writes_exactly_the_roles_can_assume_lists(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str], config: Path,
                                                            tmp_path: Path, public_role: bool) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(EXAMPLE, exports)
    if public_role:  # a role anyone may assume: can-assume lists it, so a profile is written for it
        prod = exports / "444455556666-prod.json"
        data = json.loads(prod.read_text())
        data["RoleDetailList"].append(PUBLIC_ROLE)
        prod.write_text(json.dumps(data))
    document = tmp_path / "seed.json"
    assert run_main(monkeypatch, "scan", "--from", str(exports), "--jobs", "1", "--format", "json",
                    "--output", str(document)) == 0
    capsys.readouterr()
    assert run_main(monkeypatch, "can-assume", ALICE, "--scan", str(document), "--format", "json") == 0
    answers = json.loads(capsys.readouterr().out)["answers"]
    assert profiles(monkeypatch, document, "--principal", ALICE, "--external-id", "DeployRole=deploy-7Hq2",
                    "--write") == 0
    written = configparser.ConfigParser(interpolation=None)
    written.read_string(config.read_text())
    profile_of = {written[s]["role_arn"]: s.removeprefix("profile ") for s in written.sections()
                  if "role_arn" in written[s]}
    expected_sources = {}
    for answer in answers:
        assumed = [hop["target"] for hop in answer["chain"][:-1] if hop["kind"] in ("trust", "grant", "admitted")]
        expected_sources[answer["role"]["id"]] = profile_of[assumed[-1]] if assumed else "alice"
    assert {arn: written[f"profile {name}"]["source_profile"] for arn, name in profile_of.items()} == expected_sources
    assert (PUBLIC_ROLE["Arn"] in profile_of) is public_role


@pytest.mark.parametrize(("args", "message"), [
    (("--principal", NOBODY), f"{NOBODY}: not in the trust graph (the graph holds 8 nodes; a user allowed "
                              "sts:AssumeRole on no role, and named by no trust policy, is not in it)"),
    (("--principal", ALICE, "--no-input"), f"{DEPLOY_ROLE} require an ExternalId: give --external-id ROLE=VALUE "
                                           "for each (rolescope never guesses one)"),
    (("--principal", ALICE, "--external-id", "DeployRole"), "--external-id 'DeployRole': expected ROLE=VALUE"),
    (("--principal", "alice"), "--from-scan needs --principal ARN"),
    (("--principal", ALICE, "--verify"), "--verify assumes the profiles written: give --write too"),
    (("--principal", ALICE, "--organization"), "give the roles: --organization or --accounts"),
    (("--principal", ALICE, "--credential-source", "Environment"), "give --source-profile or --credential-source"),
])
def test_bad_input_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          scan_document: Path, config: Path, args: tuple[str, ...],
                                          message: str) -> None:
    assert profiles(monkeypatch, scan_document, *args) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1, error
    assert config.read_text() == ALICE_PROFILE


def test_a_missing_source_profile_or_unreadable_config_is_named(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str],
                                                               scan_document: Path, config: Path) -> None:
    code = run_main(monkeypatch, "profiles", "--from-scan", str(scan_document), "--principal", ALICE)
    assert code == 2 and "source profile 'default' is in neither" in capsys.readouterr().err
    config.write_bytes(b"[profile alice]\nregion = \xff\n")
    assert profiles(monkeypatch, scan_document, "--principal", ALICE) == 2
    assert capsys.readouterr().err == f"rolescope: error: {config}: not UTF-8 text\n"
    config.write_text("[profile alice\nregion = eu-west-1\n")
    assert profiles(monkeypatch, scan_document, "--principal", ALICE) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"rolescope: error: {config}: not an AWS config file botocore can read (line 1: ") \
        and error.count("\n") == 1


def test_a_doctored_document_cannot_smuggle_ini_into_the_config(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str],
                                                                scan_document: Path, config: Path,
                                                                tmp_path: Path) -> None:
    document = json.loads(scan_document.read_text())
    for node in document["graph"]["nodes"]:
        if node["id"] == ADMIN_ROLE:
            node["id"] = ADMIN_ROLE + "\n[profile default]\nx = 1"
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(document))
    assert profiles(monkeypatch, doctored, "--principal", ALICE, "--external-id", "DeployRole=x1", "--write") == 2
    error = capsys.readouterr().err
    assert "\\n[profile default]\\nx = 1" in error and error.count("\n") == 1
    assert config.read_text() == ALICE_PROFILE


def test_every_write_keeps_its_own_backup(monkeypatch: pytest.MonkeyPatch, scan_document: Path, config: Path) -> None:
    monkeypatch.setattr("rolescope.cli.profiles.datetime", _FrozenClock)
    args = ("--principal", ALICE, "--external-id", "DeployRole=deploy-7Hq2", "--write")
    assert profiles(monkeypatch, scan_document, *args) == 0
    first = config.read_text()
    assert profiles(monkeypatch, scan_document, *args, "--duration", "900", "--overwrite") == 0
    backups = sorted(config.parent.glob("config.*.bak"), key=lambda p: len(p.name))
    assert [b.name for b in backups] == ["config.20261202T080000Z.bak", "config.20261202T080000Z-2.bak"]
    assert [b.read_text() for b in backups] == [ALICE_PROFILE, first]
    assert all(stat.S_IMODE(b.stat().st_mode) == 0o600 for b in backups)


class _FrozenClock:
    @staticmethod
    def now(tz: object = None) -> datetime:
        return datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
