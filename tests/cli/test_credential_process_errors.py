"""A profile whose ``credential_process`` is broken: one line naming the profile and the cause, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.cli.test_aws_options import invoke

PYTHON = f"{sys.executable} -c"


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "process-config"
    config.write_text(
        f"[profile not-json]\ncredential_process = {PYTHON} \"print('Traceback: oops')\"\n"
        f"[profile a-list]\ncredential_process = {PYTHON} \"print('[1, 2]')\"\n"
        f"[profile bad-expiry]\ncredential_process = {PYTHON} \"print('{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": "
        f"\\\"A\\\", \\\"SecretAccessKey\\\": \\\"B\\\", \\\"Expiration\\\": \\\"tomorrow\\\"}}')\"\n"
        f"[profile fails]\ncredential_process = {PYTHON} \"import sys; sys.exit('sso token expired')\"\n"
        f"[profile missing]\ncredential_process = {tmp_path}/no-such-tool\n"
        "[profile chained]\nrole_arn = arn:aws:iam::444455556666:role/Audit\nsource_profile = not-json\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


@pytest.mark.usefixtures("profiles")
@pytest.mark.parametrize(("profile", "code", "message"), [
    ("not-json", 2, "profile 'not-json': its credential_process printed something that is not JSON (Expecting value"),
    ("a-list", 2, "profile 'a-list': its credential_process printed credentials botocore cannot read "
                  "(AttributeError"),
    ("bad-expiry", 2, "profile 'bad-expiry': its credential_process printed credentials botocore cannot read"),
    ("missing", 2, "profile 'missing': its credential_process could not be run ([Errno 2]"),
    ("chained", 2, "profile 'chained': the credential_process of profile 'not-json' printed something that is not "
                   "JSON"),
    ("fails", 3, "CredentialRetrievalError: profile 'fails': credential_process failed: sso token expired"),
])
def test_whoami_with_a_broken_credential_process(profile: str, code: int, message: str) -> None:
    result = invoke("whoami", "-p", profile)
    assert result.exit_code == code
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"rolescope: error: {message}"), line
