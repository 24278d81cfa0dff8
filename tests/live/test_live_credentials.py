"""Reaching accounts the ways AWS users do: profiles, -R with its parameters, MFA, the AWS CLI's cache,
``whoami`` and ``credentials`` — rolescope as a subprocess against moto, requests read at the proxy."""

from __future__ import annotations

import json
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.credentials import AssumeRoleCredentialFetcher
from tests.live.conftest import EXTERNAL_ID, MANAGEMENT, Rolescope, World
from tests.live.fakeaws import Fault, FaultProxy

MFA_DEVICE = f"arn:aws:iam::{MANAGEMENT}:mfa/auditor"


def profile(name: str, **settings: str) -> str:
    return f"[profile {name}]\n" + "".join(f"{key} = {value}\n" for key, value in settings.items())


def scanned(rolescope: Rolescope, tmp_path: Path, *args: str) -> tuple[Any, dict[str, str]]:
    report = tmp_path / "report.json"
    result = rolescope("scan", *args, "--format", "json", "--output", str(report))
    assert result.code == 0, result.stderr
    document = json.loads(report.read_text())
    return result, {a["account_id"]: a["status"] for a in document["accounts"]}


def test_profile_with_source_profile_and_its_settings(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                      tmp_path: Path) -> None:
    rolescope.configure(profile("prod-audit", role_arn=world.role(world.prod, "RolescopeAudit"), source_profile="base",
                                external_id=EXTERNAL_ID, duration_seconds="1800", role_session_name="cli-session"))
    who = rolescope("whoami", "-p", "prod-audit")
    assert who.code == 0, who.stderr
    assert f"Account  {world.prod}" in who.stdout
    assert f"arn:aws:sts::{world.prod}:assumed-role/RolescopeAudit/cli-session" in who.stdout
    assert "UTC (in 29 min)" in who.stdout or "UTC (in 30 min)" in who.stdout
    [sent] = proxy.requests("AssumeRole")
    assert (sent.params["ExternalId"], sent.params["DurationSeconds"], sent.params["RoleSessionName"]) == (
        EXTERNAL_ID, "1800", "cli-session")
    assert sent.access_key == world.auditor[0]
    # Cached where the AWS CLI keeps its own, readable by the owner only, and reused by the next run.
    [entry] = list(rolescope.cache.iterdir())
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    _, accounts = scanned(rolescope, tmp_path, "-p", "prod-audit")
    assert accounts == {world.prod: "scanned"}
    assert len(proxy.requests("AssumeRole")) == 1


def test_a_role_the_aws_cli_assumed_is_reused(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    """The AWS CLI caches with botocore's fetcher: same arguments, same file name, same format."""
    settings = {"RoleSessionName": "cli-session", "ExternalId": EXTERNAL_ID, "DurationSeconds": 1800}
    rolescope.configure(profile("prod-audit", role_arn=world.role(world.prod, "RolescopeAudit"), source_profile="base",
                                external_id=EXTERNAL_ID, duration_seconds="1800", role_session_name="cli-session"))
    key = AssumeRoleCredentialFetcher(None, None, world.role(world.prod, "RolescopeAudit"),
                                      extra_args=settings)._cache_key
    expiry = (datetime.now(UTC) + timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SUTC")
    rolescope.cache.mkdir(parents=True)
    (rolescope.cache / f"{key}.json").write_text(json.dumps({"Credentials": {
        "AccessKeyId": world.prod_user[0], "SecretAccessKey": world.prod_user[1], "SessionToken": "from-the-cli",
        "Expiration": expiry}}))
    who = rolescope("whoami", "-p", "prod-audit", "--json")
    assert who.code == 0, who.stderr
    assert who.json()["Arn"] == f"arn:aws:iam::{world.prod}:user/cached"  # the cached credentials, not a new role
    assert proxy.requests("AssumeRole") == []


def test_credential_source_environment(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    rolescope.configure(profile("env-audit", role_arn=world.role(world.dev, "RolescopeAudit"),
                                credential_source="Environment", external_id=EXTERNAL_ID))
    who = rolescope("whoami", "-p", "env-audit", "--json",
                    env={"AWS_ACCESS_KEY_ID": world.auditor[0], "AWS_SECRET_ACCESS_KEY": world.auditor[1]})
    assert who.code == 0, who.stderr
    assert who.json()["Account"] == world.dev
    assert who.json()["Expiration"] is not None
    [sent] = proxy.requests("AssumeRole")
    assert sent.access_key == world.auditor[0]


def test_chained_profiles_and_the_one_hour_cap(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                               tmp_path: Path) -> None:
    rolescope.configure(
        profile("hub", role_arn=world.role(world.prod, "RolescopeAudit"), source_profile="base",
                external_id=EXTERNAL_ID)
        + profile("chained", role_arn=world.role(world.dev, "OrganizationAccountAccessRole"), source_profile="hub"))
    _, accounts = scanned(rolescope, tmp_path, "-p", "chained")
    assert accounts == {world.dev: "scanned"}
    first, second = proxy.requests("AssumeRole")
    assert first.params["RoleArn"] == world.role(world.prod, "RolescopeAudit") and first.access_key == world.auditor[0]
    assert second.params["RoleArn"] == world.role(world.dev, "OrganizationAccountAccessRole")
    assert second.account == world.prod  # signed with the hub role's session
    # -T on a chained profile: AWS allows one hour, so rolescope says so and asks for that.
    who = rolescope("whoami", "-p", "chained", "-T", "7200", "--role-session-name", "override")
    assert who.code == 0, who.stderr
    assert "AWS caps role chaining at one hour" in who.stderr
    last = proxy.requests("AssumeRole")[-1]
    assert (last.params["DurationSeconds"], last.params["RoleSessionName"]) == ("3600", "override")


def test_profile_mfa_asked_once_for_many_accounts(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                  tmp_path: Path) -> None:
    rolescope.configure(profile("mfa-admin", role_arn=world.role(world.prod, "RolescopeAudit"), source_profile="base",
                                external_id=EXTERNAL_ID, mfa_serial=MFA_DEVICE))
    report = tmp_path / "report.json"
    result = rolescope("scan", "-p", "mfa-admin", "--accounts", f"{world.prod},{world.dev}", "--role-name",
                       "OrganizationAccountAccessRole", "--format", "json", "--output", str(report),
                       stdin="246810\n")  # no terminal: the prompt reads standard input
    assert result.code == 0, result.stderr
    assert result.stderr.count(f"Enter MFA code for {MFA_DEVICE}: ") == 1
    assert "cannot be renewed without a new MFA code" in result.stderr
    first, second = proxy.requests("AssumeRole")
    assert (first.params["SerialNumber"], first.params["TokenCode"]) == (MFA_DEVICE, "246810")
    assert "TokenCode" not in second.params and second.account == world.prod
    accounts = {a["account_id"]: a["status"] for a in json.loads(report.read_text())["accounts"]}
    assert accounts == {world.prod: "scanned", world.dev: "scanned"}


def test_role_arn_parameters_sent(rolescope: Rolescope, world: World, proxy: FaultProxy, tmp_path: Path) -> None:
    _, accounts = scanned(rolescope, tmp_path, "-p", "base", "-R", world.role(world.prod, "RolescopeAudit"),
                          "-I", EXTERNAL_ID, "-T", "7200", "--role-session-name", "nightly@audit")
    assert accounts == {world.prod: "scanned"}
    [sent] = proxy.requests("AssumeRole")
    assert {k: v for k, v in sent.params.items() if k not in ("Action", "Version")} == {
        "RoleArn": world.role(world.prod, "RolescopeAudit"), "ExternalId": EXTERNAL_ID, "DurationSeconds": "7200",
        "RoleSessionName": "nightly@audit"}
    iam = [s for s in proxy.requests() if s.action in ("GetAccountAuthorizationDetails", "ListRoles")]
    assert iam and all(s.account == world.prod for s in iam)


def test_role_arn_from_a_role_session_is_capped(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    rolescope.configure(profile("hub", role_arn=world.role(world.prod, "RolescopeAudit"), source_profile="base",
                                external_id=EXTERNAL_ID))
    who = rolescope("whoami", "-p", "hub", "-R", world.role(world.dev, "OrganizationAccountAccessRole"), "-T", "7200")
    assert who.code == 0, who.stderr
    assert f"AWS caps role chaining at one hour: the credentials in use are a role session (arn:aws:sts::{world.prod}" \
        in who.stderr
    assert proxy.requests("AssumeRole")[-1].params["DurationSeconds"] == "3600"
    assert f"Account  {world.dev}" in who.stdout


def test_mfa_for_several_roles_uses_one_session(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                tmp_path: Path) -> None:
    result, accounts = scanned(rolescope, tmp_path, "-p", "base", "-R", world.role(world.prod, "RolescopeAudit"),
                               "-R", world.role(world.dev, "RolescopeAudit"), "-I", EXTERNAL_ID,
                               "--mfa-serial", MFA_DEVICE, "--mfa-code", "135790")
    assert accounts == {world.prod: "scanned", world.dev: "scanned"}
    [session] = proxy.requests("GetSessionToken")
    assert (session.params["SerialNumber"], session.params["TokenCode"]) == (MFA_DEVICE, "135790")
    assumed = proxy.requests("AssumeRole")
    assert len(assumed) == 2 and all("TokenCode" not in s.params for s in assumed)
    assert all(s.access_key != world.auditor[0] for s in assumed)  # from the MFA session, not the user's keys
    assert "role sessions renew from it until then" in result.stderr


def test_sessions_with_and_without_mfa_are_not_mixed_up_in_the_cache(rolescope: Rolescope, world: World,
                                                                     proxy: FaultProxy, tmp_path: Path) -> None:
    """Issue 11.6: a scan with MFA after one without it reused the cached sessions assumed without MFA."""
    reach = ("-p", "base", "--accounts", f"{world.prod},{world.dev}", "--role-name", "RolescopeAudit", "-I",
             EXTERNAL_ID)
    mfa = ("--mfa-serial", MFA_DEVICE, "--mfa-code", "135790")
    _, accounts = scanned(rolescope, tmp_path, *reach)
    assert accounts == {world.prod: "scanned", world.dev: "scanned"}
    assert (len(proxy.requests("GetSessionToken")), len(proxy.requests("AssumeRole"))) == (0, 2)
    _, accounts = scanned(rolescope, tmp_path, *reach, *mfa)
    assert accounts == {world.prod: "scanned", world.dev: "scanned"}
    assert (len(proxy.requests("GetSessionToken")), len(proxy.requests("AssumeRole"))) == (1, 4)
    session_keys = {s.access_key for s in proxy.requests("AssumeRole")[2:]}
    assert world.auditor[0] not in session_keys  # assumed from the MFA session
    result, accounts = scanned(rolescope, tmp_path, *reach, *mfa)  # from the cache: no code used, no role assumed
    assert accounts == {world.prod: "scanned", world.dev: "scanned"}
    assert (len(proxy.requests("GetSessionToken")), len(proxy.requests("AssumeRole"))) == (1, 4)
    assert "MFA-backed role sessions from the credential cache" in result.stderr
    entries = list(rolescope.cache.iterdir())
    assert len(entries) == 4 and {stat.S_IMODE(e.stat().st_mode) for e in entries} == {0o600}


def test_credentials_for_the_aws_cli_with_mfa_and_the_cache(rolescope: Rolescope, world: World,
                                                           proxy: FaultProxy) -> None:
    role = world.role(world.prod, "RolescopeAudit")
    first = rolescope("credentials", "-p", "base", "-R", role, "-I", EXTERNAL_ID, "--mfa",
                      stdin=f"{MFA_DEVICE}\n112233\n")
    assert first.code == 0, first.stderr
    document = first.json()
    assert set(document) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert document["Version"] == 1 and document["AccessKeyId"].startswith("ASIA")
    assert datetime.fromisoformat(document["Expiration"]) > datetime.now(UTC) + timedelta(minutes=50)
    [sent] = proxy.requests("AssumeRole")
    assert (sent.params["SerialNumber"], sent.params["TokenCode"]) == (MFA_DEVICE, "112233")
    # The AWS CLI runs it as credential_process: the cached MFA session is used, no new code asked.
    command = f"{sys.executable} -m rolescope credentials -p base -R {role} -I {EXTERNAL_ID} --mfa-serial {MFA_DEVICE}"
    rolescope.configure(f"[profile via-rolescope]\ncredential_process = {command}\n")
    who = rolescope("whoami", "-p", "via-rolescope", "--json")
    assert who.code == 0, who.stderr
    assert who.json()["Arn"] == f"arn:aws:sts::{world.prod}:assumed-role/RolescopeAudit/RolescopeAudit"
    assert len(proxy.requests("AssumeRole")) == 1


def test_whoami_with_long_term_keys(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    who = rolescope("whoami", "-p", "base")
    assert who.code == 0, who.stderr
    assert who.stdout.splitlines() == [f"Account  {MANAGEMENT}", f"Arn      arn:aws:iam::{MANAGEMENT}:user/auditor",
                                       who.stdout.splitlines()[2], "Expires  never (long-term keys)",
                                       "Via      profile base"]


def test_failures_before_any_account_are_one_line(rolescope: Rolescope, world: World, proxy: FaultProxy) -> None:
    nothing = rolescope("scan")  # no profile, no keys, no instance role
    assert nothing.code == 3
    assert nothing.stderr.strip().splitlines() == [
        "rolescope: error: NoCredentials: no AWS credentials found: set up a profile (-p), environment variables, "
        "or an instance/container role"]
    unknown = rolescope("whoami", "-p", "nosuch")
    assert unknown.code == 2 and "profile 'nosuch' not found" in unknown.stderr
    proxy.fail(Fault("ListAccounts", "AccessDeniedException", "You don't have permissions to access this resource.",
                     times=9, status=400))
    denied = rolescope("scan", "-p", "base", "--organization", "--role-name", "OrganizationAccountAccessRole")
    assert denied.code == 3
    assert len(denied.stderr.strip().splitlines()) == 1
    assert "AccessDeniedException" in denied.stderr and "management account or a delegated administrator" \
        in denied.stderr


def test_a_denied_mfa_role_is_a_failed_account_in_the_report(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                            tmp_path: Path) -> None:
    message = "MultiFactorAuthentication failed with invalid MFA one time pass code."
    proxy.fail(Fault("AssumeRole", "AccessDenied", message, times=9, status=403))
    report = tmp_path / "report.json"
    result = rolescope("scan", "-p", "base", "-R", world.role(world.prod, "RolescopeAudit"), "-I", EXTERNAL_ID,
                       "--mfa-serial", MFA_DEVICE, "--format", "json", "--output", str(report),
                       env={"ROLESCOPE_MFA_CODE": "000000"})
    assert result.code == 3
    [account] = json.loads(report.read_text())["accounts"]
    assert (account["account_id"], account["status"]) == (world.prod, "failed")
    assert account["error"] == f"AccessDenied: {message} (AssumeRole)"
    [sent] = proxy.requests("AssumeRole")  # the code is not sent twice
    assert sent.params["TokenCode"] == "000000"


def test_fix_reaches_accounts_with_the_shared_credential_options(rolescope: Rolescope, world: World,
                                                                 proxy: FaultProxy, tmp_path: Path) -> None:
    """fix apply/rollback take -p, -I, -T, --role-session-name, --mfa* from the one definition scan uses."""
    scanned(rolescope, tmp_path, "-p", "base", "-R", world.role(world.prod, "RolescopeAudit"), "-I", EXTERNAL_ID)
    plan = tmp_path / "plan.json"
    planned = rolescope("fix", "plan", "--from", str(tmp_path / "report.json"), "--out", str(plan))
    assert planned.code == 0, planned.stderr
    dry = rolescope("fix", "apply", str(plan), "--dry-run", "-p", "base", "--role-name", "RolescopeAudit",
                    "-T", "1800", env={"ROLESCOPE_EXTERNAL_ID": EXTERNAL_ID})
    assert dry.code == 0, dry.stderr
    sent = proxy.requests("AssumeRole")[-1]
    assert (sent.params["RoleArn"], sent.params["ExternalId"], sent.params["DurationSeconds"],
            sent.params["RoleSessionName"]) == (world.role(world.prod, "RolescopeAudit"), EXTERNAL_ID, "1800",
                                                "RolescopeFix")
