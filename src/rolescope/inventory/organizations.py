"""Discover an AWS Organization live: its id, management account, and member accounts.

Called from the management account or a delegated administrator (``organizations:ListAccounts`` and
``organizations:DescribeOrganization``). Every member is kept, for the zone of trust; only active
ones are scanned.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from rolescope.auth.clients import CallCounter
from rolescope.auth.errors import AwsError
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.model import OrgAccount, Organization
from rolescope.inventory.org_policies import parse_organization_policies
from rolescope.inventory.org_tree_live import collect_policies_document

ACTIVE = "ACTIVE"


def _state(account: dict[str, Any]) -> str:
    # ``State`` replaces the deprecated ``Status`` (which lacks CLOSED); read whichever is there.
    return str(account.get("State") or account.get("Status") or ACTIVE)


def discover_organization(session: Any, counter: CallCounter | None = None, region: str | None = None) -> Organization:
    """The caller's organisation, management account included, with its tree and its SCPs and RCPs.

    Args:
        session: a boto3 session in the management account or a delegated administrator.
        counter: counts the calls made.
        region: where to send the calls.

    Raises:
        AwsError: not in an organisation, or not allowed to list its accounts; the message says
            from where it works.
    """
    client = session.client("organizations", region_name=region)
    if counter is not None:
        counter.attach(client)
    try:
        details = client.describe_organization()["Organization"]
        accounts = [
            OrgAccount(str(item["Id"]), str(item.get("Name", "")), str(item.get("Email", "")), _state(item))
            for page in client.get_paginator("list_accounts").paginate()
            for item in page.get("Accounts", [])
        ]
        tree = parse_organization_policies(collect_policies_document(client))
    except SnapshotError as error:
        raise AwsError("MalformedOrganization", f"the organisation's tree or policies as AWS returned them: {error}",
                       "DescribePolicy") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        if code == "AWSOrganizationsNotInUseException":
            raise AwsError(code, "the caller's account is not in an AWS Organization: use --accounts instead",
                           error.operation_name) from None
        if code in ("AccessDeniedException", "AccessDenied"):
            raise AwsError(code, f"{message} -- listing an organisation's accounts, tree, SCPs and RCPs works from its "
                           "management account or a delegated administrator (organizations:ListAccounts, "
                           "DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent, ListChildren, "
                           "ListPolicies, DescribePolicy, ListTargetsForPolicy)", error.operation_name) from None
        raise
    return Organization(str(details["Id"]), str(details.get("MasterAccountId") or "") or None, tuple(accounts),
                        tree.root_id, tree.units, tree.account_parents, tree.policies)


def active_accounts(organization: Organization) -> list[OrgAccount]:
    """The members that can be scanned (not suspended, closing or closed)."""
    return [account for account in organization.accounts if account.status == ACTIVE]
