"""The offline loader on real-shaped GetAccountAuthorizationDetails files, both encodings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.factories import ACCOUNT, MEMBER, allow, gaad, organization, role, trust

from rolescope.inventory.files import load_snapshots, merge_organizations, parse_organization
from rolescope.inventory.gaad import SnapshotError, _date, parse_gaad

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.mark.parametrize("encode", [False, True])
def test_decoded_and_url_encoded_documents_read_the_same(encode: bool) -> None:
    document = trust(allow({"AWS": MEMBER}, condition={"StringEquals": {"sts:ExternalId": "a b+c/%&"}}))
    snapshot = parse_gaad(gaad(role("r", document, inline={"admin": ADMIN}, encode=encode, max_session=7200)))
    (loaded,) = snapshot.roles
    assert loaded.trust_policy == document
    assert loaded.inline_policies[0].document == ADMIN
    assert loaded.max_session_duration == 7200
    assert (loaded.trust_policy_text is not None) is encode
    assert snapshot.account_id == ACCOUNT


def test_role_fields() -> None:
    item = role("deploy", trust(allow({"AWS": MEMBER})), path="/ci/", managed=("AdministratorAccess",))
    item["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                   "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT}:policy/boundary"}
    item["Tags"] = [{"Key": "team", "Value": "platform"}]
    (loaded,) = parse_gaad(gaad(item)).roles
    assert loaded.arn == f"arn:aws:iam::{ACCOUNT}:role/ci/deploy"
    assert loaded.path == "/ci/"
    assert loaded.attached_policies[0].aws_managed
    assert loaded.permissions_boundary and loaded.permissions_boundary.endswith(":policy/boundary")
    assert loaded.tags == (("team", "platform"),)
    assert loaded.last_used is not None and loaded.create_date is not None


def test_customer_managed_policy_default_version() -> None:
    policy = {
        "PolicyName": "p", "Arn": f"arn:aws:iam::{ACCOUNT}:policy/p", "DefaultVersionId": "v2",
        "PolicyVersionList": [
            {"Document": {"Version": "2012-10-17", "Statement": []}, "VersionId": "v1", "IsDefaultVersion": False},
            {"Document": ADMIN, "VersionId": "v2", "IsDefaultVersion": True},
        ],
    }
    snapshot = parse_gaad(gaad(policies=[policy]), "x.json", ACCOUNT)
    assert snapshot.policy(policy["Arn"]) is not None
    assert snapshot.policies[0].document == ADMIN


def test_account_id_from_arns_then_file_name_then_flag() -> None:
    assert parse_gaad(gaad(role("r", trust(allow({"AWS": MEMBER})), account=MEMBER)), "x.json").account_id == MEMBER
    assert parse_gaad(gaad(), "/tmp/gaad-123456789012.json").account_id == "123456789012"
    assert parse_gaad(gaad(), "/tmp/empty.json", "210987654321").account_id == "210987654321"
    with pytest.raises(SnapshotError, match="cannot tell which account"):
        parse_gaad(gaad(), "/tmp/empty.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "top level is not an object"),
        ({"Accounts": []}, "none of"),
        ({"RoleDetailList": {}}, "RoleDetailList is not a list"),
        ({"RoleDetailList": [{"RoleName": "r"}]}, "missing Arn"),
        ({"RoleDetailList": [{"RoleName": "r", "Arn": f"arn:aws:iam::{ACCOUNT}:role/r"}]},
         "missing AssumeRolePolicyDocument"),
        ({"RoleDetailList": [{"RoleName": "r", "Arn": f"arn:aws:iam::{ACCOUNT}:role/r",
                              "AssumeRolePolicyDocument": "%7Bnot"}]}, "not JSON"),
    ],
)
def test_invalid_gaad_is_a_precise_error(data: object, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        parse_gaad(data, "x.json", ACCOUNT)


def test_a_bad_file_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    (tmp_path / f"{ACCOUNT}.json").write_text(json.dumps(gaad(role("a", trust(allow({"AWS": MEMBER}))))))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "other.json").write_text(json.dumps({"hello": "world"}))
    (tmp_path / "org.json").write_text(json.dumps(organization(ACCOUNT, MEMBER)))
    (tmp_path / "notes.txt").write_text("ignored")
    snapshots, failures, organizations = load_snapshots([tmp_path])
    assert [s.account_id for s in snapshots] == [ACCOUNT]
    assert {Path(f.source).name: f.error.split(" (")[0] for f in failures} == {
        "broken.json": "not valid JSON",
        "other.json": "not GetAccountAuthorizationDetails output: none of UserDetailList, GroupDetailList, "
                      "RoleDetailList, Policies",
    }
    assert organizations[0].account_ids == {ACCOUNT, MEMBER}


def test_missing_path_is_a_failure_not_an_exception(tmp_path: Path) -> None:
    _, failures, _ = load_snapshots([tmp_path / "nope.json"])
    assert failures[0].error == "no such file or directory"


def test_organization_listing_with_and_without_describe_organization() -> None:
    full = parse_organization(organization(ACCOUNT, MEMBER, org_id="o-abc123def4"))
    assert (full.org_id, full.management_account) == ("o-abc123def4", ACCOUNT)
    listing = organization(ACCOUNT, MEMBER, org_id="o-abc123def4")
    del listing["Organization"]
    only_accounts = parse_organization(listing)
    assert only_accounts.org_id == "o-abc123def4"  # read from the account ARNs
    merged = merge_organizations([only_accounts, parse_organization({"Organization": {"Id": "o-abc123def4",
                                                                                      "MasterAccountId": ACCOUNT}})])
    assert merged is not None and merged.management_account == ACCOUNT and merged.account_ids == {ACCOUNT, MEMBER}
    with pytest.raises(SnapshotError):
        parse_organization({"Accounts": [{"Name": "no id"}]})


@pytest.mark.parametrize(("listing", "message"), [
    (organization(ACCOUNT, org_id="bogus"), "Organization.Id 'bogus' is not an organisation id"),
    (organization(ACCOUNT, org_id="o-ABCDEFGHIJ"), "'o-ABCDEFGHIJ' is not an organisation id"),
    (organization(ACCOUNT, org_id="o-short"), "'o-short' is not an organisation id"),
    (organization("12"), r"Accounts\[0\].Id '12' is not a 12-digit account id"),
    (organization(f"{ACCOUNT}\n"), "is not a 12-digit account id"),
    (organization(ACCOUNT, management="1234"), "Organization.MasterAccountId '1234' is not a 12-digit account id"),
    ({"Accounts": [{"Id": ACCOUNT, "Arn": f"arn:aws:organizations::{ACCOUNT}:account/o-x/{ACCOUNT}"}]},
     r"the ARN of Accounts\[0\] 'o-x' is not an organisation id"),
    ({"Accounts": {"Id": ACCOUNT}}, "Accounts is not a list"),
])
def test_organization_ids_are_checked_as_aws_issues_them(listing: dict[str, Any], message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        parse_organization(listing)


@pytest.mark.parametrize(("owner", "message"), [
    ("RoleDetailList", "role r inline policy p: the policy document is not JSON"),
    ("UserDetailList", "user u inline policy p: the policy document is not JSON"),
    ("GroupDetailList", "group g inline policy p: the policy document is not JSON"),
])
def test_an_unreadable_inline_policy_names_its_owner(owner: str, message: str) -> None:
    # the message is only made when a document is text to decode
    bad = [{"PolicyName": "p", "PolicyDocument": "%7Bnot"}]
    items = {"RoleDetailList": dict(role("r", trust(allow({"AWS": MEMBER}))), RolePolicyList=bad),
             "UserDetailList": {"UserName": "u", "Arn": f"arn:aws:iam::{ACCOUNT}:user/u", "UserPolicyList": bad},
             "GroupDetailList": {"GroupName": "g", "Arn": f"arn:aws:iam::{ACCOUNT}:group/g", "GroupPolicyList": bad}}
    with pytest.raises(SnapshotError) as raised:
        parse_gaad({owner: [items[owner]]}, "x.json", ACCOUNT)
    assert str(raised.value) == message


def _reference_date(value: Any) -> datetime | None:  # the reading _date's fast path keeps
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@given(st.one_of(st.none(), st.integers(), st.datetimes(), st.text(max_size=30),
                 st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
                 st.datetimes().map(datetime.isoformat)))
def test_dates_read_as_the_general_reading_does(value: Any) -> None:
    assert _date(value) == _reference_date(value)


@pytest.mark.parametrize("empty", [None, [], {}, ""])
def test_empty_lists_read_as_none(empty: Any) -> None:
    item = dict(role("r", trust(allow({"AWS": MEMBER}))), Tags=empty, InstanceProfileList=empty,
                AttachedManagedPolicies=empty, RolePolicyList=empty)
    (loaded,) = parse_gaad(gaad(item)).roles
    assert (loaded.tags, loaded.instance_profiles, loaded.attached_policies, loaded.inline_policies) == ((),) * 4
