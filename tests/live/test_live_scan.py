"""``rolescope scan`` against the moto organisation: many accounts, failures, throttling, pagination, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.live.conftest import EXTERNAL_ID, MANAGEMENT, OUTSIDER, Rolescope, World
from tests.live.fakeaws import Fault, FaultProxy

ORG_SCAN = ("scan", "-p", "base", "--organization", "--role-name", "OrganizationAccountAccessRole")


def scan_document(rolescope: Rolescope, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Scan with the JSON report in a file and the console report on stdout, appended to stderr's text."""
    result = rolescope(*args, "--format", "json,console", "--output-dir", str(tmp_path / "out"))
    document = json.loads((tmp_path / "out" / "rolescope-report.json").read_text())
    return result.code, document, result.stderr + result.stdout


def findings(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["account_id"], f["resource"].rsplit("/", 1)[-1], f["check"]) for f in document["findings"]}


def api_calls(stderr: str) -> dict[str, dict[str, int]]:
    """``--verbose`` lines: ``rolescope: api calls: ACCOUNT: N calls[, R retried] (Op n, Op n)``."""
    calls: dict[str, dict[str, int]] = {}
    for line in stderr.splitlines():
        if line.startswith("rolescope: api calls: ") and not line.startswith("rolescope: api calls: run"):
            account, rest = line.removeprefix("rolescope: api calls: ").split(": ", 1)
            detail = rest[rest.index("(") + 1:-1]
            calls[account] = {op: int(n) for op, n in (item.rsplit(" ", 1) for item in detail.split(", "))}
            calls[account]["retried"] = int(rest.split(" retried")[0].rsplit(" ", 1)[-1]) if "retried" in rest else 0
    return calls


def test_organization_scanned_end_to_end(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                         tmp_path: Path) -> None:
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    accounts = {a["account_id"]: a for a in document["accounts"]}
    assert set(accounts) == {MANAGEMENT, world.prod, world.dev}  # the management account included
    assert all(a["status"] == "scanned" for a in accounts.values())
    assert accounts[world.dev]["alias"] == "northwind-dev"
    assert len(accounts[MANAGEMENT]["roles"]) == 12
    assert document["organization"]["id"] == world.org_id
    assert document["organization"]["management_account"] == MANAGEMENT
    assert set(document["organization"]["accounts"]) == {MANAGEMENT, world.prod, world.dev}
    found = findings(document)
    assert {
        (world.prod, "VendorAdmin", "privileged-cross-account-role"),
        (world.prod, "VendorAdmin", "trust-to-account-outside-organization"),
        (world.prod, "VendorAdmin", "long-session-cross-account-role"),  # MaxSessionDuration from GetRole
        (world.dev, "CiDeploy", "privileged-cross-account-role"),  # a customer-managed "*" policy
        (world.dev, "CiDeploy", "weak-external-id"),
        (world.dev, "CiDeploy", "long-session-cross-account-role"),
        (MANAGEMENT, "PartnerRead", "trust-to-account-outside-organization"),
    } <= found
    # The organisation is the zone of trust: the management account trusting its members is no finding.
    assert not any(check == "trust-to-account-outside-organization" and role == "OrganizationAccountAccessRole"
                   for _, role, check in found)
    assert not any(role.startswith("app-") for _, role, _ in found)
    # Members were reached through the role, the management account with the caller's own keys.
    assumed = sorted(s.params["RoleArn"] for s in proxy.requests("AssumeRole"))
    assert assumed == sorted(world.role(a, "OrganizationAccountAccessRole") for a in (world.prod, world.dev))
    assert all(s.params["RoleSessionName"] == "RolescopeAudit" for s in proxy.requests("AssumeRole"))
    # GAAD filtered to what the checks read; GetRole only for roles outside callers can assume.
    assert {s.params["Filter.member.1"] + "," + s.params["Filter.member.2"]
            for s in proxy.requests("GetAccountAuthorizationDetails")} == {"Role,LocalManagedPolicy"}
    got_roles = sorted((s.account, s.params["RoleName"]) for s in proxy.requests("GetRole"))
    assert got_roles == sorted([(MANAGEMENT, "PartnerRead"), (world.prod, "OrganizationAccountAccessRole"),
                                (world.prod, "RolescopeAudit"), (world.prod, "VendorAdmin"),
                                (world.dev, "OrganizationAccountAccessRole"), (world.dev, "RolescopeAudit"),
                                (world.dev, "CiDeploy")])
    # --verbose counts what was sent, per account, and the document carries the totals.
    counted = api_calls(stderr)
    assert counted[world.prod] == {"AssumeRole": 1, "GetAccountAuthorizationDetails": 1, "GetRole": 3,
                                   "ListAccountAliases": 1, "retried": 0}
    assert counted[MANAGEMENT] == {"GetAccountAuthorizationDetails": 1, "GetRole": 1, "ListAccountAliases": 1,
                                   "retried": 0}
    seen = proxy.calls_by_account()
    for account in (world.prod, world.dev):
        assert sum(v for k, v in counted[account].items() if k != "retried") == seen[account]
        assert accounts[account]["api_calls"] == seen[account]
    assert "DescribeOrganization 1" in stderr and "ListAccounts 1" in stderr


def test_accounts_without_the_organization_judge_the_zone_by_account(rolescope: Rolescope, world: World,
                                                                     proxy: FaultProxy, tmp_path: Path) -> None:
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# members\n{world.prod}\n{world.dev}\n")
    code, document, stderr = scan_document(rolescope, tmp_path, "scan", "-p", "base", "--accounts", str(listing),
                                           "--role-name", "RolescopeAudit", "-I", EXTERNAL_ID)
    assert code == 0, stderr
    assert [a["account_id"] for a in document["accounts"]] == [world.prod, world.dev]
    assert document["organization"] is None
    assert (world.prod, "OrganizationAccountAccessRole", "trust-to-account-outside-organization") in findings(document)
    assert {s.params["ExternalId"] for s in proxy.requests("AssumeRole")} == {EXTERNAL_ID}
    assert proxy.requests("ListAccounts") == []


def test_one_account_denied_the_others_complete(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                tmp_path: Path) -> None:
    message = (f"User: arn:aws:iam::{MANAGEMENT}:user/auditor is not authorized to perform: sts:AssumeRole on "
               f"resource: {world.role(world.dev, 'OrganizationAccountAccessRole')}")
    proxy.fail(Fault("AssumeRole", "AccessDenied", message, times=99, status=403,
                     when=lambda params, _: world.dev in params["RoleArn"]))
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN)
    assert code == 3
    status = {a["account_id"]: (a["status"], a["error"]) for a in document["accounts"]}
    assert status[MANAGEMENT] == ("scanned", None)
    assert status[world.prod] == ("scanned", None)
    assert status[world.dev] == ("failed", f"AccessDenied: {message} (AssumeRole)")
    assert (world.prod, "VendorAdmin", "privileged-cross-account-role") in findings(document)
    assert f"rolescope: error: account {world.dev} " in stderr and "AccessDenied" in stderr
    assert len(proxy.requests("AssumeRole")) == 2  # AccessDenied is not retried


def test_failure_mid_scan_keeps_the_other_accounts(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                   tmp_path: Path) -> None:
    proxy.fail(Fault("ListAccountAliases", "AccessDenied", "not allowed: iam:ListAccountAliases", times=99,
                     status=403, when=lambda _, account: account == world.prod))
    code, document, output = scan_document(rolescope, tmp_path, *ORG_SCAN)
    assert code == 3
    status = {a["account_id"]: a for a in document["accounts"]}
    assert status[world.prod]["status"] == "failed"
    assert status[world.prod]["error"] == "AccessDenied: not allowed: iam:ListAccountAliases (ListAccountAliases)"
    assert status[world.dev]["status"] == "scanned" and status[MANAGEMENT]["status"] == "scanned"
    assert "failed: AccessDenied" in output and "northwind-dev" in output  # the console report


def test_throttling_is_retried(rolescope: Rolescope, world: World, proxy: FaultProxy, tmp_path: Path) -> None:
    throttle = proxy.fail(Fault("GetAccountAuthorizationDetails", "Throttling", "Rate exceeded", times=2,
                                when=lambda _, account: account == world.dev))
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    assert throttle.hits == 2
    assert all(a["status"] == "scanned" for a in document["accounts"])
    assert (world.dev, "CiDeploy", "weak-external-id") in findings(document)
    dev = [s for s in proxy.requests("GetAccountAuthorizationDetails") if s.account == world.dev]
    assert [s.status for s in dev] == [400, 400, 200]
    assert api_calls(stderr)[world.dev]["retried"] == 2
    assert api_calls(stderr)[world.prod]["retried"] == 0


def test_gaad_pages_are_followed(rolescope: Rolescope, world: World, proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.paginate(4)
    code, document, stderr = scan_document(rolescope, tmp_path, "scan", "-p", "base", "--verbose")
    assert code == 0, stderr
    pages = proxy.requests("GetAccountAuthorizationDetails")
    assert [s.params.get("Marker") for s in pages] == [None, "4", "8"]  # 12 roles, 4 a page
    assert {s.params["MaxItems"] for s in pages} == {"1000"}  # rolescope asks for full pages; AWS may send fewer
    roles = [r["name"] for r in document["accounts"][0]["roles"]]
    assert sorted(roles) == sorted([f"app-{i:02d}" for i in range(11)] + ["PartnerRead"])
    assert api_calls(stderr)[MANAGEMENT]["GetAccountAuthorizationDetails"] == 3
    assert (MANAGEMENT, "PartnerRead", "trust-to-account-outside-organization") in findings(document)


def test_export_then_scan_offline_sees_the_same(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                               tmp_path: Path) -> None:
    out = tmp_path / "export"
    exported = rolescope("export", "--out", str(out), "-p", "base", "--organization", "--role-name",
                         "OrganizationAccountAccessRole")
    assert exported.code == 0, exported.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{MANAGEMENT}.json", f"{world.prod}.json", f"{world.dev}.json", "organization.json"])
    dev = json.loads((out / f"{world.dev}.json").read_text())
    assert dev["AccountAlias"] == "northwind-dev"
    ci = next(r for r in dev["RoleDetailList"] if r["RoleName"] == "CiDeploy")
    assert ci["MaxSessionDuration"] == 7200
    assert ci["AssumeRolePolicyDocument"].startswith("%7B")  # as IAM sent it: URL-encoded, byte for byte
    assert json.loads(unquote(ci["AssumeRolePolicyDocument"]))["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "abc123"}}
    assert "Role" in json.dumps(dev) and not dev["UserDetailList"]
    assert not list(out.glob(".*.tmp"))
    live_code, live, _ = scan_document(rolescope, tmp_path / "live", *ORG_SCAN)
    offline_code, offline, _ = scan_document(rolescope, tmp_path / "offline", "scan", "--from", str(out))
    assert live_code == offline_code == 0
    assert findings(live) == findings(offline)
    assert offline["organization"]["id"] == world.org_id


def test_export_keeps_the_accounts_that_worked(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                               tmp_path: Path) -> None:
    proxy.fail(Fault("AssumeRole", "AccessDenied", "denied", times=99, status=403,
                     when=lambda params, _: world.prod in params["RoleArn"]))
    out = tmp_path / "export"
    result = rolescope("export", "--out", str(out), "-p", "base", "--accounts", f"{world.prod},{world.dev}",
                       "--role-name", "OrganizationAccountAccessRole")
    assert result.code == 3
    assert sorted(p.name for p in out.iterdir()) == [f"{world.dev}.json"]
    assert f"account {world.prod}" in result.stderr and "AccessDenied: denied (AssumeRole)" in result.stderr


def test_least_privilege_policy_covers_every_call(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                  tmp_path: Path) -> None:
    proxy.paginate(5)
    code, _, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN)
    assert code == 0, stderr
    services = {"GetAccountAuthorizationDetails": "iam", "ListAccountAliases": "iam", "GetRole": "iam",
                "AssumeRole": "sts", "GetCallerIdentity": "sts", "ListAccounts": "organizations",
                "DescribeOrganization": "organizations"}
    made = {s.action for s in proxy.requests()}
    assert made <= set(services), made - set(services)
    policy = json.loads((Path(__file__).parents[2] / "docs" / "scanner-role-policy.json").read_text())
    allowed = {a.lower() for s in policy["Statement"] if s["Effect"] == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {f"{services[a]}:{a}".lower() for a in made} <= allowed
    assert not any("*" in a for a in allowed if not a.startswith("sts:assumerole"))
    assert OUTSIDER not in json.dumps(policy)
