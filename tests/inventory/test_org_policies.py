"""organization-policies.json: the organisation's tree and SCPs/RCPs beside the GAAD exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.perimeter_org import PROD, PROD_OU, RCP_ID, ROOT, SANDBOX, policies_file

from rolescope.inventory.files import load_file, load_snapshots, merge_organizations
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.model import Organization
from rolescope.inventory.org_policies import parse_organization_policies, policies_document
from rolescope.policy.control import ControlKind


def test_the_tree_and_policies_are_read_into_typed_objects() -> None:
    org = parse_organization_policies(policies_file())
    assert org.root_id == ROOT and org.levels(PROD) == (ROOT, PROD_OU, PROD)
    rcp = next(p for p in org.policies if p.policy_id == RCP_ID)
    assert rcp.kind is ControlKind.RCP and rcp.targets == (PROD_OU,)
    assert rcp.document.statements[0].covers("sts:assumerole", f"arn:aws:iam::{PROD}:role/x")


def test_what_export_writes_reads_back_the_same() -> None:
    org = parse_organization_policies(policies_file())
    again = parse_organization_policies(json.loads(json.dumps(policies_document(org))))
    assert again == org


def test_the_file_merges_with_the_account_listing(tmp_path: Path) -> None:
    (tmp_path / "organization-policies.json").write_text(json.dumps(policies_file()))
    (tmp_path / "accounts.json").write_text(json.dumps({
        "Organization": {"Id": "o-exampleorg1", "MasterAccountId": "111100000000"},
        "Accounts": [{"Id": PROD}, {"Id": SANDBOX}]}))
    snapshots, failures, organizations = load_snapshots([tmp_path])
    assert not snapshots and not failures
    merged = merge_organizations(organizations)
    assert merged is not None and merged.org_id == "o-exampleorg1" and merged.root_id == ROOT
    assert merged.org_path(SANDBOX) == "o-exampleorg1/r-ab12/ou-ab12-sand0001/"
    assert len(merged.policies) == 4


def _broken(change: Any) -> dict[str, Any]:
    data = policies_file()
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["Roots"].append({"Id": "r-cd34"}), "Roots must hold exactly one root"),
    (lambda d: d["OrganizationalUnits"][0].update(Id="ou-x"), "OrganizationalUnits[0].Id 'ou-x' is not an OU id"),
    (lambda d: d["Parents"].update({PROD: "ou-ab12-nowhere01"}), f"Parents[{PROD}] 'ou-ab12-nowhere01' is neither"),
    (lambda d: d["Policies"][1]["PolicySummary"].update(Type="TAG_POLICY"),
     "Policies[1].PolicySummary.Type 'TAG_POLICY' is not SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY"),
    (lambda d: d["Policies"][1].update(Content='{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "1"},'
                                              ' "Action": "sts:AssumeRole", "Resource": "*"}]}'),
     "Policies[1] (p-rcpperim01).Content: Statement[0] Principal: an RCP statement's Principal must be \"*\""),
    (lambda d: d["Policies"][2].update(Content='{"Statement": [{"Effect": "Allow", "Principal": "*",'
                                              ' "Action": "*", "Resource": "*"}]}'),
     "Principal: unknown or prohibited element: an SCP applies to the account's own principals"),
    (lambda d: d["Policies"][1]["Targets"].append({"TargetId": "bogus"}), "Targets[1].TargetId 'bogus' is not"),
    (lambda d: d["Policies"][1].update(Content="{not json"), "Content: the policy is not valid JSON"),
])
def test_a_bad_file_is_one_line_naming_the_place(change: Any, message: str, tmp_path: Path) -> None:
    path = tmp_path / "organization-policies.json"
    path.write_text(json.dumps(_broken(change)))
    with pytest.raises(SnapshotError) as raised:
        load_file(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_an_account_listing_alone_has_no_tree() -> None:
    assert Organization("o-exampleorg1", None).levels(PROD) == (PROD,)
