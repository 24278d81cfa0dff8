"""Write collected accounts as GAAD-shaped JSON files that ``rolescope scan --from`` reads back."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from rolescope.atomic_write import write_atomic
from rolescope.inventory.live import AccountData
from rolescope.inventory.model import Organization
from rolescope.inventory.org_policies import POLICIES_FILE, policies_document

ORGANIZATION_FILE = "organization.json"


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any) -> bytes:
    """Indented JSON; datetimes as ISO 8601, as the AWS CLI prints them."""
    return orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def organization_document(organization: Organization) -> dict[str, Any]:
    """The organisation as ``describe-organization`` + ``list-accounts`` output (what the loader reads)."""
    return {
        "Organization": {"Id": organization.org_id, "MasterAccountId": organization.management_account},
        "Accounts": [
            {"Id": a.account_id, "Name": a.name, "Email": a.email, "Status": a.status} for a in organization.accounts
        ],
    }


def export_accounts(accounts: Iterable[AccountData], directory: Path,
                    organization: Organization | None = None) -> list[Path]:
    """Write ``<account-id>.json`` per account (and ``organization.json``, and ``organization-policies.json``
    when the organisation's tree and SCPs/RCPs were collected), each file whole or not at all.

    Returns:
        The files written.
    """
    written = []
    for account in accounts:
        path = directory / f"{account.target.account_id}.json"
        write_atomic(path, to_json(account.gaad))
        written.append(path)
    if organization is not None:
        path = directory / ORGANIZATION_FILE
        write_atomic(path, to_json(organization_document(organization)))
        written.append(path)
    if organization is not None and organization.root_id is not None:
        path = directory / POLICIES_FILE
        write_atomic(path, to_json(policies_document(organization)))
        written.append(path)
    return written
