"""What rolescope accepts for role ARNs, session settings, MFA and account lists — before AWS sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolescope.auth.errors import AuthConfigError
from rolescope.auth.validate import (
    read_accounts,
    validate_duration,
    validate_external_id,
    validate_mfa_code,
    validate_mfa_serial,
    validate_role_arn,
    validate_role_name,
    validate_session_name,
)


@pytest.mark.parametrize(("arn", "partition", "account", "path", "name"), [
    ("arn:aws:iam::111122223333:role/Audit", "aws", "111122223333", "/", "Audit"),
    ("arn:aws-cn:iam::111122223333:role/Audit", "aws-cn", "111122223333", "/", "Audit"),
    ("arn:aws-us-gov:iam::111122223333:role/ops/team/Audit+x=y,z.@-_", "aws-us-gov", "111122223333", "/ops/team/",
     "Audit+x=y,z.@-_"),
])
def test_role_arn_accepted(arn: str, partition: str, account: str, path: str, name: str) -> None:
    role = validate_role_arn(arn)
    assert (role.arn, role.partition, role.account_id, role.path, role.name) == (arn, partition, account, path, name)


@pytest.mark.parametrize(("arn", "says"), [
    ("Audit", "is not a role ARN"),
    ("arn:aws:iam::111122223333", "is not a role ARN"),
    ("arn:awz:iam::111122223333:role/Audit", "unknown partition 'awz'"),
    ("arn:aws:sts::111122223333:role/Audit", "not an IAM role ARN"),
    ("arn:aws:iam:us-east-1:111122223333:role/Audit", "not an IAM role ARN"),
    ("arn:aws:iam::11112222333:role/Audit", "not a 12-digit"),
    ("arn:aws:iam::aws:role/Audit", "not a 12-digit"),
    ("arn:aws:iam::111122223333:user/alice", "names a user resource, not a role"),
    ("arn:aws:iam::111122223333:root", "not a role"),
    ("arn:aws:iam::111122223333:role/", "role name '' is not valid"),
    ("arn:aws:iam::111122223333:role/bad name", "is not valid"),
    ("arn:aws:iam::111122223333:role/" + "x" * 65, "is not valid"),
])
def test_role_arn_rejected_with_the_reason(arn: str, says: str) -> None:
    with pytest.raises(AuthConfigError, match=says.replace("(", r"\(")) as error:
        validate_role_arn(arn)
    assert "\n" not in str(error.value)


def test_role_name_with_and_without_path() -> None:
    assert validate_role_name("RolescopeAudit") == ("/", "RolescopeAudit")
    assert validate_role_name("security/RolescopeAudit") == ("/security/", "RolescopeAudit")
    assert validate_role_name("/security/audit/RolescopeAudit/") == ("/security/audit/", "RolescopeAudit")
    for bad in ("", "arn:aws:iam::111122223333:role/X", "has space"):
        with pytest.raises(AuthConfigError):
            validate_role_name(bad)


@pytest.mark.parametrize("name", ["ab", "RolescopeAudit", "a+b=c,d.e@f-g_h", "x" * 64])
def test_session_name_accepted(name: str) -> None:
    assert validate_session_name(name) == name


@pytest.mark.parametrize("name", ["a", "x" * 65, "has space", "slash/no", "colon:no", "é-accent"])
def test_session_name_rejected(name: str) -> None:
    with pytest.raises(AuthConfigError, match="2 to 64"):
        validate_session_name(name)


def test_external_id_limits() -> None:
    assert validate_external_id("ab") == "ab"
    assert validate_external_id("tenant:42/prod=x+y@z.example_-") == "tenant:42/prod=x+y@z.example_-"
    assert validate_external_id("x" * 1224)
    for bad in ("a", "x" * 1225, "has space", "quote'"):
        with pytest.raises(AuthConfigError, match="2 to 1224"):
            validate_external_id(bad)


@pytest.mark.parametrize(("seconds", "ok"), [(899, False), (900, True), (3600, True), (43200, True), (43201, False),
                                              (0, False), (-1, False)])
def test_duration_range(seconds: int, ok: bool) -> None:
    if ok:
        assert validate_duration(seconds) == seconds
    else:
        with pytest.raises(AuthConfigError, match="900 to 43200 seconds"):
            validate_duration(seconds)


def test_mfa_serial_and_code() -> None:
    assert validate_mfa_serial("arn:aws:iam::111122223333:mfa/alice") == "arn:aws:iam::111122223333:mfa/alice"
    assert validate_mfa_serial("GAHT12345678") == "GAHT12345678"
    for bad in ("arn:aws:iam::111122223333:user/alice", "arn:aws:iam::1111:mfa/alice", "short", "has space 123"):
        with pytest.raises(AuthConfigError, match="MFA device"):
            validate_mfa_serial(bad)
    assert validate_mfa_code(" 123456\n") == "123456"
    for bad in ("12345", "1234567", "12345a", ""):
        with pytest.raises(AuthConfigError, match="6 digits"):
            validate_mfa_code(bad)


def test_accounts_as_list_or_file(tmp_path: Path) -> None:
    assert read_accounts("111122223333,444455556666, 111122223333") == ("111122223333", "444455556666")
    listing = tmp_path / "accounts.txt"
    listing.write_text("# production\n111122223333\n444455556666  # data\n\n777788889999,111122223333\n")
    assert read_accounts(str(listing)) == ("111122223333", "444455556666", "777788889999")


@pytest.mark.parametrize(("value", "says"), [
    ("1111,2222", "'1111' is not a 12-digit"),
    ("no-such-file.txt", "neither a comma-separated list"),
    (",", "no account id given"),
])
def test_accounts_rejected(value: str, says: str) -> None:
    with pytest.raises(AuthConfigError, match=says):
        read_accounts(value)


def test_accounts_file_problems(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    with pytest.raises(AuthConfigError, match="lists no account"):
        read_accounts(str(empty))
    bad = tmp_path / "bad.txt"
    bad.write_text("111122223333\nprod\n")
    with pytest.raises(AuthConfigError, match="'prod' is not a 12-digit"):
        read_accounts(str(bad))
    with pytest.raises(AuthConfigError, match="is a directory"):
        read_accounts(str(tmp_path))
