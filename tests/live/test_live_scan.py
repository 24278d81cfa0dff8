"""``rolescope scan`` against the moto organisation: many accounts, failures, throttling, pagination, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.live.conftest import (
    EXTERNAL_ID,
    MANAGEMENT,
    OUTSIDER,
    PARTNER_ROLES,
    STRANGER,
    Rolescope,
    World,
    partner_session,
)
from tests.live.fakeaws import Fault, FaultProxy

from rolescope.audit_role import COLLECTION_ACTIONS
from rolescope.trust.graph_json import section_edges

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
        (world.prod, "VendorAdmin", "long-session-cross-account-role"),  # MaxSessionDuration from ListRoles
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
    # GAAD filtered to what the checks read; session lengths from one ListRoles an account, never GetRole.
    assert {",".join(s.params[f"Filter.member.{i}"] for i in range(1, 5))
            for s in proxy.requests("GetAccountAuthorizationDetails")} == {"Role,User,Group,LocalManagedPolicy"}
    assert sorted((s.account, s.params["MaxItems"]) for s in proxy.requests("ListRoles")) == sorted(
        [(MANAGEMENT, "1000"), (world.prod, "1000"), (world.dev, "1000")])
    assert proxy.requests("GetRole") == []
    # Every cross-account role's session length reaches the report, and the long ones are findings.
    prod_roles = {r["name"]: r for r in accounts[world.prod]["roles"]}
    for index in range(PARTNER_ROLES):
        name = f"Partner-{index:02d}"
        trust = accounts[world.prod]["trusts"][prod_roles[name]["trust"]]  # scan/v2: the trust entry the role shares
        assert trust["cross_account"] and prod_roles[name]["max_session_duration"] == partner_session(index)
        assert ((world.prod, name, "long-session-cross-account-role") in found) == (partner_session(index) > 3600)
    # --verbose counts what was sent, per account, and the document carries the totals.
    counted = api_calls(stderr)
    assert counted[world.prod] == {"AssumeRole": 1, "GetAccountAuthorizationDetails": 1, "ListRoles": 1,
                                   "ListAccountAliases": 1, "retried": 0}
    assert counted[MANAGEMENT] == {"GetAccountAuthorizationDetails": 1, "ListRoles": 1, "ListAccountAliases": 1,
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


def pages(proxy: FaultProxy, account: str, action: str) -> int:
    """Pages IAM answered for ``account`` (a request refused or throttled is no page)."""
    return sum(1 for s in proxy.requests(action) if s.account == account and s.status == 200)


def test_calls_per_account_do_not_grow_with_cross_account_roles(rolescope: Rolescope, world: World,
                                                                proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.paginate(4)
    proxy.page_roles(5)
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    accounts = {a["account_id"]: a for a in document["accounts"]}
    cross = {number: sum(1 for r in a["roles"] if a["trusts"][r["trust"]]["cross_account"])
             for number, a in accounts.items()}
    assert cross[world.prod] > PARTNER_ROLES and cross[world.prod] > 5 * cross[world.dev]
    counted = api_calls(stderr)
    for number, account in accounts.items():
        roles = len(account["roles"])
        listing = [s.params.get("Marker") for s in proxy.requests("ListRoles") if s.account == number]
        assert listing == [None, *(str(i) for i in range(5, roles, 5))], number  # moto's markers: the next index
        assumed = int(number != MANAGEMENT)  # the account rolescope runs from is read with the caller's keys
        expected = {"AssumeRole": assumed, "ListAccountAliases": 1,
                    "GetAccountAuthorizationDetails": pages(proxy, number, "GetAccountAuthorizationDetails"),
                    "ListRoles": -(-roles // 5), "retried": 0}
        assert counted[number] == {op: n for op, n in expected.items() if n or op == "retried"}, number
        assert account["api_calls"] == sum(n for op, n in expected.items() if op != "retried")
    assert pages(proxy, world.prod, "GetAccountAuthorizationDetails") >= 7  # 27 roles, 4 items a page
    assert {s.params["MaxItems"] for s in proxy.requests("ListRoles")} == {"1000"}  # AWS may send fewer
    prod_roles = {r["name"]: r["max_session_duration"] for r in accounts[world.prod]["roles"]}
    assert all(prod_roles[f"Partner-{i:02d}"] == partner_session(i) for i in range(PARTNER_ROLES))


def test_list_roles_refused_the_account_is_scanned_without_session_lengths(
        rolescope: Rolescope, world: World, proxy: FaultProxy, tmp_path: Path) -> None:
    denied = proxy.fail(Fault("ListRoles", "AccessDenied", "not allowed: iam:ListRoles", times=99, status=403,
                              when=lambda _, account: account == world.prod))
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    assert denied.hits == 1  # AccessDenied is not retried
    accounts = {a["account_id"]: a for a in document["accounts"]}
    assert all(a["status"] == "scanned" for a in accounts.values())
    assert all(r["max_session_duration"] is None for r in accounts[world.prod]["roles"])
    found = findings(document)
    assert (world.prod, "VendorAdmin", "privileged-cross-account-role") in found
    assert not any(account == world.prod and check == "long-session-cross-account-role"
                   for account, _, check in found)
    assert (world.dev, "CiDeploy", "long-session-cross-account-role") in found  # the other accounts are whole
    roles = len(accounts[world.prod]["roles"])
    assert (f"rolescope: note: account {world.prod}: MaxSessionDuration unknown for {roles} of {roles} roles ("
            in stderr)
    assert ("not checked for long sessions: ListRoles failed: AccessDenied: not allowed: iam:ListRoles (ListRoles)"
            in stderr)
    assert api_calls(stderr)[world.prod]["ListRoles"] == 1


def test_calls_before_retries_stay_exact_when_throttled(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                                        tmp_path: Path) -> None:
    proxy.throttle(0.3, seed=3)  # seeded: 5 of the first 12 IAM/STS requests, whichever they are, are throttled
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    assert all(a["status"] == "scanned" for a in document["accounts"])
    counted = api_calls(stderr)
    sent = proxy.calls_by_account()
    throttled = [s for s in proxy.requests() if s.throttled]
    assert throttled and {s.status for s in throttled} == {400}
    for number in (world.prod, world.dev):
        assert {op: n for op, n in counted[number].items() if op != "retried"} == {
            "AssumeRole": 1, "ListAccountAliases": 1, "GetAccountAuthorizationDetails": 1, "ListRoles": 1}
        assert 4 + counted[number]["retried"] == sent[number]  # every throttled request was retried, and counted
    assert sum(c["retried"] for c in counted.values()) > 0
    assert (world.dev, "CiDeploy", "long-session-cross-account-role") in findings(document)


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
        [f"{MANAGEMENT}.json", f"{world.prod}.json", f"{world.dev}.json", "organization.json",
         "organization-policies.json"])  # the tree and the SCPs/RCPs: an offline scan judges the same perimeter
    dev = json.loads((out / f"{world.dev}.json").read_text())
    assert dev["AccountAlias"] == "northwind-dev"
    ci = next(r for r in dev["RoleDetailList"] if r["RoleName"] == "CiDeploy")
    assert ci["MaxSessionDuration"] == 7200
    assert all(r["MaxSessionDuration"] >= 3600 for r in dev["RoleDetailList"])  # every role's, for any later zone
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
    proxy.page_roles(5)
    code, _, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN)
    assert code == 0, stderr
    services = {"GetAccountAuthorizationDetails": "iam", "ListAccountAliases": "iam", "ListRoles": "iam",
                "AssumeRole": "sts", "GetCallerIdentity": "sts", "ListAccounts": "organizations",
                "DescribeOrganization": "organizations", "ListRoots": "organizations",
                "ListOrganizationalUnitsForParent": "organizations", "ListChildren": "organizations",
                "ListPolicies": "organizations", "DescribePolicy": "organizations",
                "ListTargetsForPolicy": "organizations"}
    made = {s.action for s in proxy.requests()}
    assert made <= set(services), made - set(services)
    policy = json.loads((Path(__file__).parents[2] / "docs" / "scanner-role-policy.json").read_text())
    allowed = {a.lower() for s in policy["Statement"] if s["Effect"] == "Allow"
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {f"{services[a]}:{a}".lower() for a in made} <= allowed
    # `rolescope template`'s inline policy names the same calls.
    assert {f"{services[a]}:{a}" for a in made if services[a] != "sts"} <= set(COLLECTION_ACTIONS)
    assert not any("*" in a for a in allowed if not a.startswith("sts:assumerole"))
    assert OUTSIDER not in json.dumps(policy)


def test_an_account_outside_the_targets_is_refused_before_collecting(rolescope: Rolescope, world: World,
                                                                      proxy: FaultProxy) -> None:
    result = rolescope(*ORG_SCAN, "--account", "999999999999")
    assert result.code == 2
    assert result.stderr.endswith(f"--account 999999999999: not in the input; its accounts: "
                                  f"{', '.join(sorted([MANAGEMENT, world.prod, world.dev]))}\n")
    assert proxy.requests("GetAccountAuthorizationDetails") == []


def test_the_role_scanned_through_is_recorded_and_fix_plan_leaves_it_alone(rolescope: Rolescope, world: World,
                                                                           proxy: FaultProxy, tmp_path: Path) -> None:
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"{world.prod}\n{world.dev}\n")
    code, document, stderr = scan_document(rolescope, tmp_path, "scan", "-p", "base", "--accounts", str(listing),
                                           "--role-name", "OrganizationAccountAccessRole")
    assert code == 0, stderr
    assert document["collection"] == {"role_names": ["OrganizationAccountAccessRole"]}
    # without the organisation, its trust of the management account is a cross-account finding to fix
    assert (world.prod, "OrganizationAccountAccessRole", "cross-account-without-mfa-or-external-id") in findings(
        document)
    planned = rolescope("fix", "plan", "--from", str(tmp_path / "out" / "rolescope-report.json"), "--out",
                        str(tmp_path / "plan.json"))
    assert planned.code == 0, planned.stderr
    assert ("rolescope: note: the scan went through OrganizationAccountAccessRole: left alone (a new guard would "
            "lock the next scan out); --include-audit-role plans it") in planned.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert "OrganizationAccountAccessRole" not in {c["role_name"] for c in plan["changes"]}
    assert plan["options"]["audit_roles"] == ["OrganizationAccountAccessRole", "RolescopeAudit"]


def test_the_perimeter_live_and_offline(rolescope: Rolescope, world: World, proxy: FaultProxy,
                                        tmp_path: Path) -> None:
    code, document, stderr = scan_document(rolescope, tmp_path, *ORG_SCAN, "--verbose")
    assert code == 0, stderr
    found = findings(document)
    # dev's OU has the RCP: a stranger is closed out, the excepted vendor (with its ExternalId) still gets in
    assert not any(role == "ClosedToOutsiders" for _, role, _ in found)
    assert (world.dev, "CiDeploy", "weak-external-id") in found
    assert (world.dev, "CiDeploy", "rcp-perimeter-gap") not in found
    # prod sits outside the OU, and RCPs never apply to the management account: both are gaps
    assert (world.prod, "VendorAdmin", "rcp-perimeter-gap") in found
    assert (MANAGEMENT, "PartnerRead", "rcp-perimeter-gap") in found
    vendor = next(f for f in document["findings"] if f["resource"].endswith("/CiDeploy")
                  and f["check"] == "weak-external-id")
    assert vendor["evidence"]["perimeter"]["status"] == "open-by-exception"
    assert vendor["evidence"]["perimeter"]["exceptions"][0]["attached_to"] == world.workloads_ou
    for call in ("ListRoots 1", "ListPolicies 2", "ListOrganizationalUnitsForParent", "ListChildren",
                 "DescribePolicy", "ListTargetsForPolicy"):
        assert call in stderr
    # export writes the tree and policies beside the GAAD files: the offline scan gives the same answer
    out = tmp_path / "export"
    exported = rolescope("export", "--out", str(out), "-p", "base", "--organization", "--role-name",
                         "OrganizationAccountAccessRole")
    assert exported.code == 0, exported.stderr
    assert (out / "organization-policies.json").is_file()
    offline_code, offline, offline_err = scan_document(rolescope, tmp_path / "offline", "scan", "--from", str(out))
    assert offline_code == 0, offline_err
    assert findings(offline) == found
    # the graph too: the stranger's edge is gone, the vendor's exists by the RCP's exception, alike offline
    edges = {(e["source"], e["target"].rsplit("/", 1)[-1]): e for e in section_edges(document["graph"])}
    assert (f"account:{STRANGER}", "ClosedToOutsiders") not in edges
    assert edges[(f"account:{OUTSIDER}", "CiDeploy")]["rcp_exception"].startswith("rcp:p-")
    assert section_edges(offline["graph"]) == section_edges(document["graph"])
