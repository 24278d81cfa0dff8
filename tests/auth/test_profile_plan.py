"""Planning profiles: names, sources, and only the settings each role's trust requires, within its limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.configloader import load_config

from rolescope.auth.config_editor import merge_profiles
from rolescope.auth.errors import AuthConfigError
from rolescope.auth.profile_plan import (
    MissingExternalIds,
    ProfileOptions,
    RoleTarget,
    Source,
    plan_profiles,
    profile_names,
    sanitise_name,
    source_profile,
    validate_prefix,
    validate_profile_name,
)

BASE = ProfileOptions(Source(profile="base"))


def target(account: str, name: str = "Audit", account_name: str = "", **facts: object) -> RoleTarget:
    return RoleTarget(f"arn:aws:iam::{account}:role/{name}", account, name, account_name, **facts)  # type: ignore[arg-type]


def keys(options: ProfileOptions, *roles: RoleTarget, per_account: bool = True) -> list[dict[str, str]]:
    return [dict(p.section.keys) for p in plan_profiles(roles, options, per_account)]


def test_names_come_from_the_account_sanitised_prefixed_and_apart() -> None:
    roles = [target("111111111111", account_name="Prod (EU)"), target("222222222222", account_name="prod-EU"),
             target("333333333333", account_name="dev"), target("444444444444")]
    assert profile_names(roles, "org-", True) == {
        roles[0].arn: "org-Prod-EU-111111111111", roles[1].arn: "org-prod-EU-222222222222",
        roles[2].arn: "org-dev", roles[3].arn: "org-444444444444"}
    assert profile_names([target("333333333333", "Deploy", "dev")], "", False) == {
        "arn:aws:iam::333333333333:role/Deploy": "dev-Deploy"}


def test_a_hostile_alias_cannot_write_ini_syntax(tmp_path: Path) -> None:
    evil = target("111111111111", account_name="x]\n[profile default]\nrole_arn = arn:aws:iam::999999999999:role/Evil")
    [planned] = plan_profiles([evil], BASE)
    assert planned.name == sanitise_name(evil.account_name)
    assert planned.name == "x-profile-default-role_arn-arn-aws-iam-999999999999-role-Evil"
    path = tmp_path / "config"
    path.write_text(merge_profiles("[default]\nregion = eu-west-1\n", [planned.section]).text)
    profiles = load_config(str(path))["profiles"]
    assert profiles["default"] == {"region": "eu-west-1"}
    assert profiles[planned.name]["role_arn"] == evil.arn


@pytest.mark.parametrize("value", ["a b", "x]", "a\nb", "a=b", "[profile"])
def test_names_given_on_the_command_line_cannot_hold_ini_syntax(value: str) -> None:
    with pytest.raises(AuthConfigError):
        validate_profile_name(value)
    with pytest.raises(AuthConfigError):
        validate_prefix(value)


def test_only_what_the_trust_requires_is_written() -> None:
    plain, mfa, external = (target("111111111111"), target("222222222222", requires_mfa=True),
                            target("333333333333", requires_external_id=True))
    options = ProfileOptions(Source(profile="base", mfa_serial="arn:aws:iam::999999999999:mfa/me"),
                             external_ids={external.arn: "ext-1234"}, session_name="me", region="eu-west-1")
    assert keys(options, plain, mfa, external) == [
        {"role_arn": plain.arn, "source_profile": "base", "role_session_name": "me", "region": "eu-west-1"},
        {"role_arn": mfa.arn, "source_profile": "base", "mfa_serial": "arn:aws:iam::999999999999:mfa/me",
         "role_session_name": "me", "region": "eu-west-1"},
        {"role_arn": external.arn, "source_profile": "base", "external_id": "ext-1234", "role_session_name": "me",
         "region": "eu-west-1"}]


def test_a_required_external_id_or_mfa_device_is_never_made_up() -> None:
    roles = [target("111111111111", requires_external_id=True), target("222222222222", "Ci", requires_external_id=True)]
    with pytest.raises(MissingExternalIds) as missing:
        plan_profiles(roles, ProfileOptions(Source(profile="base"), external_ids={"Ci": "ci-secret"}))
    assert missing.value.roles == (roles[0].arn,)
    with pytest.raises(AuthConfigError, match="require MFA: give --mfa-serial"):
        plan_profiles([target("111111111111", requires_mfa=True)], BASE)


def test_no_profile_takes_the_name_of_its_source() -> None:
    with pytest.raises(AuthConfigError, match="would replace the source profile it is assumed from: give --prefix"):
        plan_profiles([target("111111111111", account_name="base")], BASE)
    assert plan_profiles([target("111111111111", account_name="base")],
                         ProfileOptions(Source(profile="base"), prefix="org-"))[0].name == "org-base"


def test_durations_stay_within_the_role_and_the_chaining_cap() -> None:
    long_role = target("111111111111", max_session_duration=43200)
    assert keys(ProfileOptions(Source(profile="base"), duration=-1), long_role)[0]["duration_seconds"] == "43200"
    chained_source = ProfileOptions(Source(profile="admin", role_session=True), duration=-1)
    assert keys(chained_source, long_role)[0]["duration_seconds"] == "3600"
    [planned] = plan_profiles([target("111111111111", max_session_duration=7200)],
                              ProfileOptions(Source(profile="base"), duration=10800))
    assert dict(planned.section.keys)["duration_seconds"] == "7200"
    assert planned.notes == ("duration_seconds lowered from 10800 to 7200 s: its MaxSessionDuration is 7200 s",)
    assert "duration_seconds" not in keys(BASE, long_role)[0]  # AWS's default unless asked


def test_a_chained_role_is_assumed_from_the_profile_of_the_role_before_it() -> None:
    first = target("111111111111", "Admin", "prod", requires_mfa=True, max_session_duration=7200)
    second = target("222222222222", "Deploy", "deploy", via=first.arn, max_session_duration=7200)
    options = ProfileOptions(Source(credential_source="Environment"), mfa_serial="arn:aws:iam::999999999999:mfa/me",
                             duration=-1)
    assert keys(options, first, second, per_account=False) == [
        {"role_arn": first.arn, "credential_source": "Environment", "mfa_serial": "arn:aws:iam::999999999999:mfa/me",
         "duration_seconds": "7200"},
        {"role_arn": second.arn, "source_profile": "prod-Admin", "duration_seconds": "3600"}]


def test_the_source_profile_is_read_from_the_config() -> None:
    profiles = {"admin": {"role_arn": "arn:aws:iam::1:role/x", "source_profile": "keys"},
                "keys": {"mfa_serial": "arn:aws:iam::111111111111:mfa/me"}}
    assert source_profile("admin", profiles) == Source(profile="admin", role_session=True)
    assert source_profile("keys", profiles) == Source(profile="keys", mfa_serial="arn:aws:iam::111111111111:mfa/me")
    with pytest.raises(AuthConfigError, match="source profile 'missing' is in neither"):
        source_profile("missing", profiles)
