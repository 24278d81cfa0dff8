"""``rolescope check-policy`` and ``rolescope simulate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.factories import ACCOUNT, OUTSIDER, allow, trust

from rolescope.cli.main import cli


def invoke(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def write(tmp_path: Path, document: Any, name: str = "policy.json") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def test_json_output_shape(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(
        allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "e" * 16}}, sid="Vendor"),
        allow({"AWS": f"arn:aws:iam::{OUTSIDER}:role/ci"}, sid="Ci"),
    ))
    result = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", policy)
    assert result.exit_code == 0
    verdict = json.loads(result.stdout)
    assert verdict["account_id"] == ACCOUNT
    assert verdict["cross_account"] is True and verdict["public"] is False
    assert verdict["mfa_or_external_id_required"] is False
    paths = {p["sid"]: p for p in verdict["paths"]}
    assert paths["Vendor"]["requires"] == ["external_id"] and paths["Ci"]["requires"] == []
    assert paths["Ci"]["principals"] == [f"arn:aws:iam::{OUTSIDER}:role/ci"]
    (finding,) = verdict["findings"]
    assert finding == {"check": "cross-account-without-mfa-or-external-id", "severity": "high", "statement": 1,
                       "message": finding["message"]}


def test_stdin_and_url_encoded_input(tmp_path: Path) -> None:
    from urllib.parse import quote

    encoded = quote(json.dumps(trust(allow("*"))), safe="")
    result = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", "-", stdin=encoded)
    verdict = json.loads(result.stdout)
    assert verdict["public"] is True
    assert {f["check"] for f in verdict["findings"]} == {"public-trust", "cross-account-without-mfa-or-external-id"}


def test_text_output_and_fail_on(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(allow("*")))
    result = invoke("check-policy", "--account-id", ACCOUNT, policy, "--fail-on", "high")
    assert result.exit_code == 1
    assert "CRITICAL public-trust: This role can be assumed by any AWS account through Statement[0]" in result.stdout
    assert "cross-account yes, public yes" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("{", "not valid JSON"),
        (json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"},
                                    "Action": "sts:AssumeRole"}]}), "Statement[0] Principal: invalid AWS principal"),
        (json.dumps(trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"})),
         "Resource"),
    ],
)
def test_bad_policies_are_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    result = invoke("check-policy", "--account-id", ACCOUNT, write(tmp_path, content))
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_bad_arguments(tmp_path: Path) -> None:
    assert invoke("check-policy", "--account-id", "12", write(tmp_path, trust(allow("*")))).exit_code == 2
    assert invoke("check-policy", "--account-id", ACCOUNT, str(tmp_path / "nope.json")).exit_code == 2
    result = invoke("check-policy", "--account-id", ACCOUNT, "--org-id", "bad", write(tmp_path, trust(allow("*"))))
    assert result.exit_code == 2 and "o-" in result.stderr


@pytest.mark.parametrize("command", ["check-policy", "check-iac"])
@pytest.mark.parametrize("org_id", ["o-", "o-short", "o-UPPERCASE12", "o-abc def 1234", "o-" + "a" * 33])
def test_org_id_is_checked_whole(tmp_path: Path, command: str, org_id: str) -> None:
    """Not only its o- prefix: an id AWS cannot have would silently make the organisation's trust
    look outside it."""
    result = invoke(command, "--account-id", ACCOUNT, "--org-id", org_id, write(tmp_path, trust(allow("*"))))
    assert result.exit_code == 2
    assert "is not an organisation id" in result.stderr and "Traceback" not in result.stderr


def test_a_well_formed_org_id_is_taken(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(allow("*")))
    result = invoke("check-policy", "--account-id", ACCOUNT, "--org-id", "o-a1b2c3d4e5", policy)
    assert result.exit_code in (0, 1), result.stderr


def test_simulate_allow_and_deny(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(
        allow({"AWS": OUTSIDER}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}, sid="WithMfa"),
        {"Sid": "NoIntern", "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:role/intern"},
         "Action": "sts:AssumeRole"},
    ))
    base = ["simulate", "--policy", policy, "--principal"]
    allowed = invoke(*base, f"arn:aws:iam::{OUTSIDER}:role/admin", "--context", "aws:MultiFactorAuthPresent=true")
    assert allowed.exit_code == 0 and allowed.stdout.startswith("ALLOW by Statement[0] (WithMfa)")
    implicit = invoke(*base, f"arn:aws:iam::{OUTSIDER}:role/admin")
    assert implicit.exit_code == 0 and implicit.stdout.startswith("DENY (implicit")
    explicit = invoke(*base, f"arn:aws:sts::{OUTSIDER}:assumed-role/intern/s", "--context",
                      "aws:MultiFactorAuthPresent=true")
    assert explicit.stdout.startswith("DENY (explicit) by Statement[1] (NoIntern)")
    bad = invoke(*base, "not a principal")
    assert bad.exit_code == 2
    assert invoke(*base, OUTSIDER, "--context", "novalue").exit_code == 2


def _sized(characters: int) -> str:
    """A trust policy of exactly ``characters`` characters as IAM counts them, spread over many
    indented lines (white space IAM does not count)."""
    bare = json.dumps(trust(allow({"AWS": OUTSIDER}, sid="S")), separators=(",", ":"))
    padded = bare.replace('"Sid":"S"', '"Sid":"' + "S" * (characters - len(bare) + 1) + '"')
    assert len(padded) == characters
    return json.dumps(json.loads(padded), indent=8)


def test_a_policy_larger_than_iam_accepts_is_refused_naming_the_limit(tmp_path: Path) -> None:
    largest = write(tmp_path, _sized(8192), "largest.json")
    assert len(Path(largest).read_text()) > 8192  # white space is not counted
    accepted = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", largest)
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["cross_account"] is True

    too_large = write(tmp_path, _sized(8193), "too-large.json")
    refused = invoke("check-policy", "--account-id", ACCOUNT, too_large)
    assert refused.exit_code == 2 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"rolescope: error: {too_large}: 8,193 characters (white space not counted)")
    assert "8,192" in line and "Role trust policy length" in line and "--no-size-limit" in line
    from_stdin = invoke("check-policy", "--account-id", ACCOUNT, "-", stdin=_sized(8193))
    assert from_stdin.exit_code == 2 and "<stdin>: 8,193 characters" in from_stdin.stderr

    forced = invoke("check-policy", "--account-id", ACCOUNT, "--no-size-limit", "--format", "json", too_large)
    assert forced.exit_code == 0 and json.loads(forced.stdout)["cross_account"] is True


def test_an_external_id_pattern_is_judged_with_the_configured_minimum(tmp_path: Path) -> None:
    """Spacelift's documented pattern fixes 13 letters and digits: a requirement under the catalogue's
    12, not under a rolescope.yaml that asks for 14."""
    policy = write(tmp_path, trust(allow({"AWS": OUTSIDER},
                                         condition={"StringLike": {"sts:ExternalId": "example@*@stack-a@*"}})))
    config = tmp_path / "strict.yaml"
    config.write_text("checks:\n  weak-external-id:\n    parameters:\n      min_external_id_pattern_literals: 14\n")

    def guarded(*options: str) -> bool:
        result = invoke(*options, "check-policy", "--account-id", ACCOUNT, "--format", "json", policy)
        return bool(json.loads(result.stdout)["mfa_or_external_id_required"])

    assert guarded("--no-config") and not guarded("--config", str(config))


@pytest.mark.parametrize("source_arn, closed", [(f"arn:aws:config:*:{ACCOUNT}:*", True),
                                                ("arn:aws:config:*:*:*", False)])
def test_config_source_arn_in_the_recommended_form_closes_the_confused_deputy(tmp_path: Path, source_arn: str,
                                                                             closed: bool) -> None:
    policy = write(tmp_path, trust(allow({"Service": "config.amazonaws.com"},
                                         condition={"ArnLike": {"aws:SourceArn": source_arn}})))
    result = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", policy)
    found = {f["check"]: f["message"] for f in json.loads(result.stdout)["findings"]}
    assert ("service-trust-without-source-condition" not in found) is closed
    if not closed:
        assert "a condition on aws:SourceArn that another customer's resource can meet" in \
            found["service-trust-without-source-condition"]
