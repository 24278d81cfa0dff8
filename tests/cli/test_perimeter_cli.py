"""``check-policy`` and ``simulate`` with ``--rcp`` and ``--scp``: the perimeter for one document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.factories import allow, gaad, role, trust
from tests.perimeter_org import OUTSIDER, PROD, RCP, SCP, VENDOR, policies_file

from rolescope.cli.main import cli

ORG_ID = "o-exampleorg1"
ROLE = f"arn:aws:iam::{PROD}:role/app/Target"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path, document: Any, name: str) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def check(tmp_path: Path, policy: dict[str, Any], *extra: str) -> dict[str, Any]:
    result = invoke("check-policy", "--account-id", PROD, "--org-id", ORG_ID, "--format", "json",
                    write(tmp_path, policy, "trust.json"), *extra)
    assert result.exit_code == 0, result.output
    verdict: dict[str, Any] = json.loads(result.stdout)
    return verdict


def test_check_policy_with_the_rcp_stops_anybody_outside_the_organisation(tmp_path: Path) -> None:
    policy = trust(allow({"AWS": "*"}))
    assert check(tmp_path, policy)["public"] is True
    verdict = check(tmp_path, policy, "--rcp", write(tmp_path, RCP, "rcp.json"))
    # the organisation's members are not known here: any named account may be one, and gets in
    assert verdict["public"] is False and "public-trust" not in {f["check"] for f in verdict["findings"]}
    assert verdict["perimeter"]["status"] == "narrows"
    assert verdict["perimeter"]["closed_by"][0]["policy_name"].endswith("rcp.json")


def test_check_policy_with_the_rcp_keeps_the_vendor_in(tmp_path: Path) -> None:
    # check-policy does not know the organisation's members: the vendor may be one, or excepted
    verdict = check(tmp_path, trust(allow({"AWS": VENDOR})), "--rcp", write(tmp_path, RCP, "rcp.json"))
    assert verdict["outside_accounts"] == [VENDOR]
    assert verdict["perimeter"]["status"] in ("enforced", "open-by-exception")


def test_check_policy_with_an_scp_cuts_the_organisations_callers(tmp_path: Path) -> None:
    policy = trust(allow({"AWS": f"arn:aws:iam::{PROD}:role/ci"}))
    assert [p["scope"] for p in check(tmp_path, policy)["paths"]] == ["same-account"]
    # the organisation's SCP keeps its own principals away from this account's roles
    fence = {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole*", "Resource": f"arn:aws:iam::{PROD}:role/*"}]}
    verdict = check(tmp_path, policy, "--scp", write(tmp_path, fence, "fence.json"))
    assert verdict["paths"] == [] and verdict["perimeter"]["scp_denies"] == 1
    # the data-perimeter SCP (no assuming roles outside the organisation) leaves this role, inside it, open
    kept = check(tmp_path, policy, "--scp", write(tmp_path, SCP, "scp.json"))
    assert len(kept["paths"]) == 1 and kept["perimeter"]["scp_denies"] == 1


def test_a_bad_rcp_file_is_one_line(tmp_path: Path) -> None:
    bad = write(tmp_path, {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}, "bad.json")
    policy = write(tmp_path, trust(allow("*")), "t.json")
    result = CliRunner().invoke(cli, ["check-policy", "--account-id", PROD, policy, "--rcp", bad])
    assert result.exit_code != 0
    assert "bad.json: not an RCP: Statement[0] Principal: an RCP statement's Principal must be \"*\"" in result.output


def simulate(tmp_path: Path, principal: str, *extra: str) -> str:
    policy = write(tmp_path, trust(allow({"AWS": [f"arn:aws:iam::{OUTSIDER}:root", VENDOR]})), "trust.json")
    result = invoke("simulate", "--policy", policy, "--principal", principal, "--role-arn", ROLE, *extra)
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_simulate_names_the_rcp_statement_that_denies(tmp_path: Path) -> None:
    rcp = write(tmp_path, RCP, "rcp.json")
    outsider = simulate(tmp_path, f"arn:aws:iam::{OUTSIDER}:role/ci", "--rcp", rcp)
    assert outsider.startswith("DENY (explicit) by RCP") and "EnforceOrgIdentities" in outsider
    vendor = simulate(tmp_path, f"arn:aws:iam::{VENDOR}:role/x", "--rcp", rcp)
    assert "VendorNeedsExternalId" in vendor
    assert simulate(tmp_path, f"arn:aws:iam::{VENDOR}:role/x", "--rcp", rcp,
                    "--context", "sts:ExternalId=abc").startswith("ALLOW")


def test_simulate_scp_without_an_allow_for_the_action(tmp_path: Path) -> None:
    only_s3 = write(tmp_path, {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, "scp.json")
    assert simulate(tmp_path, f"arn:aws:iam::{OUTSIDER}:role/ci", "--scp", only_s3).startswith(
        "DENY (implicit: no SCP allows the action)")


def test_simulate_perimeter_needs_the_role(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(allow("*")), "trust.json")
    result = CliRunner().invoke(cli, ["simulate", "--policy", policy, "--principal", OUTSIDER,
                                      "--rcp", write(tmp_path, RCP, "rcp.json")])
    assert result.exit_code != 0 and "--role-arn" in result.output


def test_check_policy_text_names_the_perimeter(tmp_path: Path) -> None:
    policy = write(tmp_path, trust(allow({"AWS": "*"})), "trust.json")
    result = invoke("check-policy", "--account-id", PROD, "--org-id", ORG_ID, policy, "--rcp",
                    write(tmp_path, RCP, "rcp.json"))
    assert result.exit_code == 0
    assert "perimeter: narrows" in result.output
    assert "rcp.json Statement[0] (EnforceOrgIdentities) closes" in result.output


def test_a_broken_organisation_policies_file_is_named_and_exit_2(tmp_path: Path) -> None:
    broken = policies_file()
    broken["Parents"][PROD] = "ou-ab12-nowhere01"
    write(tmp_path, broken, "organization-policies.json")
    write(tmp_path, gaad(role("app", trust(allow({"AWS": OUTSIDER})), PROD)), f"{PROD}.json")
    result = CliRunner().invoke(cli, ["scan", "--from", str(tmp_path), "--format", "json", "--output",
                                      str(tmp_path / "out.json")])
    assert result.exit_code == 2
    assert f"organization-policies.json: Parents[{PROD}] 'ou-ab12-nowhere01' is neither the root nor a listed OU" \
        in result.output
    assert "Traceback" not in result.output
