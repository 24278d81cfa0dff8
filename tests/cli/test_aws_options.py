"""Bad credential and account options: one line, exit 2, before anything is sent to AWS.

Run in-process through the real entry point; AWS is pointed at a closed loopback port, and the instance
metadata service is disabled, so a test that got past validation could not reach anything.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from rolescope.cli.main import main

ROLE = "arn:aws:iam::444455556666:role/RolescopeAudit"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("[profile keys]\nregion = us-east-1\n"
                      "[profile role]\nrole_arn = arn:aws:iam::444455556666:role/Audit\nsource_profile = keys\n"
                      "[profile mfa]\nrole_arn = arn:aws:iam::444455556666:role/Audit\nsource_profile = keys\n"
                      "mfa_serial = arn:aws:iam::111122223333:mfa/alice\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[keys]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return tmp_path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Result:
    """``rolescope ARGS`` through the real entry point (its one-line error handling), in-process."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with mock.patch.object(sys, "argv", ["rolescope", *args]), mock.patch.object(sys, "stdout", stdout), \
            mock.patch.object(sys, "stderr", stderr):
        try:
            main()
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return Result(code, stdout.getvalue(), stderr.getvalue())


def assert_usage_error(result: Result, *says: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rolescope: error: "), lines[0]
    for text in says:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize(("args", "says"), [
    (("-R", "arn:aws:iam::4444:role/A"), ("'4444' is not a 12-digit",)),
    (("-R", "arn:aws:iam::444455556666:user/alice"), ("not a role",)),
    (("-R", ROLE, "-T", "899"), ("900 to 43200 seconds",)),
    (("-R", ROLE, "-T", "43201"), ("900 to 43200 seconds",)),
    (("-R", ROLE, "-T", "an-hour"), ("an-hour",)),
    (("-R", ROLE, "--role-session-name", "x"), ("2 to 64",)),
    (("-R", ROLE, "--role-session-name", "has space"), ("2 to 64",)),
    (("-R", ROLE, "-I", "x"), ("2 to 1224",)),
    (("-R", ROLE, "--mfa-serial", "alice"), ("MFA device",)),
    (("-R", ROLE, "--mfa-serial", "arn:aws:iam::111122223333:mfa/alice", "--mfa-code", "12345"), ("6 digits",)),
    (("--accounts", "1234,5678", "--role-name", "Audit"), ("'1234' is not a 12-digit",)),
    (("--accounts", "missing-file.txt", "--role-name", "Audit"), ("neither a comma-separated list",)),
    (("--accounts", "444455556666"), ("need --role-name",)),
    (("--organization",), ("need --role-name",)),
    (("--role-name", "Audit"), ("--accounts or --organization",)),
    (("--role-name", "arn:aws:iam::444455556666:role/Audit", "--organization"), ("not an ARN",)),
    (("--workers", "0"), ("0",)),
    (("--from", "snapshots", "-p", "keys"), ("--from scans files", "--profile")),
    (("--from", "snapshots", "--organization"), ("--organization",)),
    (("--account-id", "444455556666"), ("--account-id names the account of a --from file",)),
    (("-p", "nosuch"), ("profile 'nosuch' not found",)),
    (("-p", "keys", "-I", "tenant-42"), ("apply to an assumed role",)),
    (("-p", "keys", "-T", "3600"), ("apply to an assumed role",)),
    (("-p", "keys", "--mfa-code", "123456"), ("--mfa-code needs --mfa-serial",)),
    (("-p", "mfa", "-R", ROLE, "--mfa-serial", "arn:aws:iam::111122223333:mfa/alice"), ("already uses MFA",)),
    (("-p", "keys", "-R", ROLE, "-R", "arn:aws:iam::444455556666:role/Other"), ("scanned twice",)),
])
def test_scan_rejects(args: tuple[str, ...], says: tuple[str, ...]) -> None:
    assert_usage_error(invoke("scan", *args), *says)


def test_whoami_and_credentials_take_one_role() -> None:
    for command in ("whoami", "credentials"):
        assert_usage_error(invoke(command, "-R", ROLE, "-R", "arn:aws:iam::444455556666:role/Other"),
                           "one -R/--role-arn at most")


def test_export_needs_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("")
    assert_usage_error(invoke("export", "--out", str(target), "-p", "keys"), "is a file")
    assert invoke("export", "-p", "keys").exit_code == 2  # --out is required


def test_unreachable_aws_is_exit_3_in_one_line() -> None:
    """Past validation, the first call fails (nothing listens on port 9): one line, exit 3, no traceback."""
    result = invoke("whoami", "-p", "keys")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.startswith("rolescope: error: EndpointConnectionError: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_ambient_environment_values_apply_only_where_they_can(isolated: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """ROLESCOPE_EXTERNAL_ID and ROLESCOPE_MFA_CODE keep secrets out of `ps`; set for the shell, they do not
    turn an offline scan or a plain whoami into a usage error."""
    gaad = isolated / "111122223333.json"
    gaad.write_text('{"RoleDetailList": [], "UserDetailList": [], "GroupDetailList": [], "Policies": []}')
    monkeypatch.setenv("ROLESCOPE_EXTERNAL_ID", "tenant-42")
    monkeypatch.setenv("ROLESCOPE_MFA_CODE", "123456")
    offline = invoke("scan", "--from", str(gaad), "--format", "json", "--output", str(isolated / "r.json"))
    assert offline.exit_code == 0, offline.stderr
    live = invoke("whoami", "-p", "keys")
    assert live.exit_code == 3 and "EndpointConnectionError" in live.stderr  # got as far as calling AWS
    assert_usage_error(invoke("scan", "--from", str(gaad), "-I", "tenant-42"), "--external-id")
    monkeypatch.setenv("ROLESCOPE_MFA_CODE", "12")
    assert_usage_error(invoke("whoami", "-p", "keys"), "6 digits")


@pytest.mark.parametrize("command", [("whoami",), ("credentials",), ("scan",), ("export", "--out", "exports"),
                                     ("profiles", "--organization", "--role-name", "Audit")])
@pytest.mark.parametrize(("text", "says"), [
    (b"[profile keys\nregion = us-east-1\n", "line 1: '[profile keys\\n' is no [section] header"),
    (b"[profile keys]\nregion\n", "line 2: 'region\\n' is neither a [section] nor NAME = VALUE"),
    (b"[profile keys]\nregion = \xff\n", "not UTF-8 text"),
])
def test_a_broken_aws_config_is_named_in_one_line(isolated: Path, monkeypatch: pytest.MonkeyPatch,
                                                  command: tuple[str, ...], text: bytes, says: str) -> None:
    (isolated / "config").write_bytes(text)
    monkeypatch.chdir(isolated)
    assert_usage_error(invoke(*command, "-p", "keys"), f"{isolated / 'config'}: ", says)


def test_a_broken_credentials_file_is_named_too(isolated: Path) -> None:
    (isolated / "credentials").write_text("[keys]\naws_access_key_id\n")
    assert_usage_error(invoke("whoami", "-p", "keys"), f"{isolated / 'credentials'}: not an AWS config file")
