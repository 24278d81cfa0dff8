"""``rolescope profiles`` against moto's organisation: profiles for every account's role, merged into a config
the user already has, resolved by botocore, verified, written twice without change."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from botocore.configloader import load_config
from tests.live.conftest import EXTERNAL_ID, Rolescope, World
from tests.live.fakeaws import FaultProxy

from rolescope.auth.mfa import MfaPrompter
from rolescope.auth.profile_verify import verify_profiles

# A config as people keep it: comments, blank lines, an SSO session, services, other profiles, no final newline.
USER_CONFIG = """\
# my AWS config -- hand written
[default]
region = eu-west-1   ; kept in the value by botocore

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

# the sandbox, reached through SSO
[profile sandbox]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly

[services local]
s3 =
  endpoint_url = http://localhost:4566
[profile other]
output = json"""

ORGANIZATION = ("profiles", "--organization", "--role-name", "RolescopeAudit", "-p", "base",
                "--external-id", f"RolescopeAudit={EXTERNAL_ID}", "--duration", "max", "--prefix", "org-")


def backups(rolescope: Rolescope) -> list[Path]:
    return sorted(rolescope.aws.glob("config.*.bak"))


def test_organisation_profiles_merge_verify_and_stay_put(rolescope: Rolescope, world: World,
                                                         proxy: FaultProxy) -> None:
    rolescope.configure(USER_CONFIG)
    shown = rolescope(*ORGANIZATION)
    assert shown.code == 0, shown.stderr
    assert "+[profile org-prod]" in shown.stdout and "+[profile org-northwind-dev]" in shown.stdout
    assert rolescope.config_file.read_text() == USER_CONFIG  # a diff, nothing written
    assert f"account {world.management} has no role RolescopeAudit" in shown.stderr

    written = rolescope(*ORGANIZATION, "--write", "--verify")
    assert written.code == 0, written.stderr
    text = rolescope.config_file.read_text()
    assert text.startswith(USER_CONFIG + "\n")  # every byte the user wrote, in place
    assert text[len(USER_CONFIG) + 1:] == (
        f"\n[profile org-prod]\nrole_arn = {world.role(world.prod, 'RolescopeAudit')}\nsource_profile = base\n"
        f"external_id = {EXTERNAL_ID}\nduration_seconds = 43200\n"
        f"\n[profile org-northwind-dev]\nrole_arn = {world.role(world.dev, 'RolescopeAudit')}\nsource_profile = base\n"
        f"external_id = {EXTERNAL_ID}\nduration_seconds = 3600\n")
    assert f"works     org-prod  arn:aws:sts::{world.prod}:assumed-role/RolescopeAudit/" in written.stdout
    assert f"works     org-northwind-dev  arn:aws:sts::{world.dev}:assumed-role/RolescopeAudit/" in written.stdout
    [backup] = backups(rolescope)
    assert backup.read_text() == USER_CONFIG and stat.S_IMODE(backup.stat().st_mode) == 0o600

    # botocore itself reads the profiles as written
    config = load_config(str(rolescope.config_file))
    assert config["profiles"]["org-prod"]["external_id"] == EXTERNAL_ID
    assert config["profiles"]["default"]["region"] == "eu-west-1   ; kept in the value by botocore"
    assert config["sso_sessions"]["corp"]["sso_region"] == "eu-west-1"

    again = rolescope(*ORGANIZATION, "--write")
    assert again.code == 0, again.stderr
    assert "nothing to change" in again.stderr
    assert rolescope.config_file.read_text() == text and len(backups(rolescope)) == 1


def test_an_existing_profile_changes_only_with_overwrite(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    mine = "[profile org-prod]\n# mine\nrole_arn = arn:aws:iam::123456789012:role/Mine\nsource_profile = base\n\n"
    rolescope.configure(mine + "[profile after]\nregion = us-east-1\n")
    kept = rolescope(*ORGANIZATION, "--write")
    assert kept.code == 0, kept.stderr
    assert "kept      org-prod: it exists with other settings (--overwrite replaces it)" in kept.stderr
    assert rolescope.config_file.read_text().startswith(mine + "[profile after]\n")

    replaced = rolescope(*ORGANIZATION, "--write", "--overwrite")
    assert replaced.code == 0, replaced.stderr
    text = rolescope.config_file.read_text()
    assert text.startswith(f"[profile org-prod]\nrole_arn = {world.role(world.prod, 'RolescopeAudit')}\n")
    assert "\n\n[profile after]\nregion = us-east-1\n" in text  # its place and the next section kept


def test_a_required_external_id_is_asked_for_and_never_guessed(rolescope: Rolescope, world: World,
                                                                proxy: FaultProxy) -> None:
    base = ("profiles", "--accounts", world.dev, "--role-name", "RolescopeAudit", "-p", "base")
    refused = rolescope(*base, "--no-input")
    assert refused.code == 2
    assert refused.stderr.strip() == (f"rolescope: error: {world.role(world.dev, 'RolescopeAudit')} require an "
                                      "ExternalId: give --external-id ROLE=VALUE for each (rolescope never guesses "
                                      "one)")
    rolescope.config_file.unlink()  # a new config file: the user's own, mode 0600
    asked = rolescope(*base, "--write", "--verify", stdin=f"{EXTERNAL_ID}\n")
    assert asked.code == 0, asked.stderr
    assert f"ExternalId for {world.role(world.dev, 'RolescopeAudit')}" in asked.stderr
    assert f"external_id = {EXTERNAL_ID}\n" in rolescope.config_file.read_text()
    assert stat.S_IMODE(rolescope.config_file.stat().st_mode) == 0o600 and backups(rolescope) == []
    verified = [r for r in proxy.requests("AssumeRole") if r.params.get("RoleSessionName") != "RolescopeAudit"]
    assert [r.params["ExternalId"] for r in verified] == [EXTERNAL_ID]  # botocore sent what was written


def test_verify_names_the_profiles_that_do_not_work(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    rolescope.configure("[profile nokeys]\nregion = us-east-1\n")  # a source profile with no credentials behind it
    result = rolescope("profiles", "--accounts", f"{world.prod},{world.dev}", "--role-name", "RolescopeAudit",
                       "-p", "base", "--source-profile", "nokeys", "--external-id", f"RolescopeAudit={EXTERNAL_ID}",
                       "--write", "--verify")
    assert result.code == 1, result.stderr
    failed = [line for line in result.stdout.splitlines() if line.startswith("fails     ")]
    # without the organisation, prod has no name but its account id; dev has an alias
    assert [line.split(":")[0] for line in failed] == [f"fails     {world.prod}", "fails     northwind-dev"]
    assert all("nokeys" in line for line in failed), failed
    assert "source_profile = nokeys\n" in rolescope.config_file.read_text()


def test_verify_asks_one_mfa_code_for_every_profile(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    device = f"arn:aws:iam::{world.management}:mfa/auditor"
    admin = (f"[profile mfa-admin]\nrole_arn = {world.role(world.prod, 'RolescopeAudit')}\nsource_profile = base\n"
             f"external_id = {EXTERNAL_ID}\nmfa_serial = {device}\n")
    rolescope.configure(admin)
    result = rolescope("profiles", "--accounts", f"{world.prod},{world.dev}", "--role-name",
                       "OrganizationAccountAccessRole", "-p", "base", "--source-profile", "mfa-admin",
                       "--duration", "max", "--write", "--verify", stdin="246810\n")
    assert result.code == 0, result.stderr
    assert result.stderr.count(f"Enter MFA code for {device}: ") == 1  # standard input holds one code only
    assert result.stdout.count("works     ") == 2, result.stdout
    # the source is itself a role session: AWS caps what it assumes at one hour
    assert rolescope.config_file.read_text().count("duration_seconds = 3600\n") == 2
    with_code = [r for r in proxy.requests("AssumeRole") if "TokenCode" in r.params]
    assert [r.params["TokenCode"] for r in with_code] == ["246810"]


def test_verify_sends_the_mfa_code_once_and_assumes_every_role_from_that_session(
        rolescope: Rolescope, world: World, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two profiles whose trust requires MFA, and one chained from the first: botocore would send the
    code on each AssumeRole (AWS refuses a code used twice); one GetSessionToken serves them all."""
    device = f"arn:aws:iam::{world.management}:mfa/auditor"
    prod, dev = world.role(world.prod, "RolescopeAudit"), world.role(world.dev, "RolescopeAudit")
    rolescope.configure(
        f"[profile p-prod]\nrole_arn = {prod}\nsource_profile = base\nexternal_id = {EXTERNAL_ID}\n"
        f"mfa_serial = {device}\n\n"
        f"[profile p-dev]\nrole_arn = {dev}\nsource_profile = base\nexternal_id = {EXTERNAL_ID}\n"
        f"mfa_serial = {device}\nduration_seconds = 3600\n\n"
        f"[profile p-chained]\nrole_arn = {dev}\nsource_profile = p-prod\nexternal_id = {EXTERNAL_ID}\n"
        "role_session_name = chained\n")
    for name, value in rolescope.env.items():
        monkeypatch.setenv(name, value)
    asked: list[str] = []

    def ask(prompt: str, secret: bool) -> str:
        asked.append(prompt)
        return "135790"

    prompter = MfaPrompter(ask)
    cache: dict[str, object] = {}
    results = verify_profiles(["p-prod", "p-dev", "p-chained"], prompter, cache)
    assert [r.error for r in results] == [None, None, None]
    assert [r.identity.arn.split(":")[4] for r in results if r.identity] == [world.prod, world.dev, world.dev]
    assert asked == [f"Enter MFA code for {device}: "]
    [session] = proxy.requests("GetSessionToken")
    assert session.params["TokenCode"] == "135790" and session.access_key == world.auditor[0]
    assumed = proxy.requests("AssumeRole")
    assert [(r.params["RoleArn"], r.params["RoleSessionName"]) for r in assumed] == [
        (prod, "rolescope-verify"), (dev, "rolescope-verify"), (dev, "chained")]
    assert not any("TokenCode" in r.params for r in assumed)
    assert assumed[0].access_key == assumed[1].access_key != world.auditor[0]  # both from the MFA session
    assert assumed[2].access_key not in (world.auditor[0], assumed[0].access_key)  # from p-prod's session
    assert assumed[1].params["DurationSeconds"] == "3600" and assumed[0].params["ExternalId"] == EXTERNAL_ID
    # a warm cache (the AWS CLI's, in the command): no code asked, nothing sent but GetCallerIdentity
    proxy.reset(world.keys)
    again = verify_profiles(["p-prod", "p-dev", "p-chained"], MfaPrompter(ask), cache)
    assert [r.works for r in again] == [True, True, True] and len(asked) == 1
    assert {r.action for r in proxy.requests()} == {"GetCallerIdentity"}
