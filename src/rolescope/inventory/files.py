"""Find and read snapshot files: GAAD output per account, and organisation listings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from rolescope.inventory.gaad import GAAD_KEYS, SnapshotError, parse_gaad
from rolescope.inventory.model import AccountSnapshot, OrgAccount, Organization
from rolescope.inventory.org_policies import is_policies_data, merge_trees, parse_organization_policies
from rolescope.inventory.own_outputs import own_output, own_text
from rolescope.policy.arn import ACCOUNT_ID, ORG_ID, ORG_ID_SHAPE
from rolescope.records import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A file that could not be read as a snapshot, and why (one line)."""

    source: str
    error: str
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file a scan was given and left alone on purpose, and why (one line)."""

    source: str
    reason: str


class OwnOutput(SnapshotError):
    """One of rolescope's own outputs (a report written beside the exports): skipped, not an error."""


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"cannot read: {error.strerror or error}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        what = own_text(raw)
        if what is not None:
            raise OwnOutput(f"rolescope's own output ({what})") from None
        raise SnapshotError(f"not valid JSON ({error})") from None
    what = own_output(data)
    if what is not None:
        raise OwnOutput(f"rolescope's own output ({what})")
    return data


def is_organization_data(data: Any) -> bool:
    """Whether a JSON document is ``list-accounts``/``describe-organization`` output or the organisation's
    tree and policies (see :mod:`rolescope.inventory.org_policies`) rather than GAAD."""
    return isinstance(data, dict) and ("Accounts" in data or "Organization" in data or is_policies_data(data)) \
        and not any(key in data for key in GAAD_KEYS)


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the ``*.json`` files of directories named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def load_snapshots(paths: Iterable[Path], account_id: str | None = None
                   ) -> tuple[list[AccountSnapshot], list[LoadFailure], list[Organization]]:
    """Read every snapshot file under ``paths``.

    Args:
        paths: files or directories (``*.json`` inside, recursively).
        account_id: the account for a file whose ARNs and name do not tell.

    Returns:
        The snapshots, the files that failed (each with a one-line reason; the others still load),
        and organisation listings found among the files.
    """
    snapshots: list[AccountSnapshot] = []
    failures: list[LoadFailure] = []
    organizations: list[Organization] = []
    _load(paths, account_id, snapshots, failures, organizations)
    return snapshots, failures, organizations


def _load(paths: Iterable[Path], account_id: str | None, snapshots: list[AccountSnapshot],
          failures: list[LoadFailure], organizations: list[Organization]) -> None:
    for path in expand(paths):
        try:
            found = load_file(path, account_id)
        except SnapshotError as error:
            failures.append(LoadFailure(str(path), str(error)))
            continue
        if isinstance(found, Organization):
            organizations.append(found)
        else:
            snapshots.append(found)


def load_file(path: Path, account_id: str | None = None) -> AccountSnapshot | Organization:
    """Read one file: an account's GAAD snapshot, or an organisation listing.

    Raises:
        OwnOutput: the file is one of rolescope's own outputs (a report, a plan...).
        SnapshotError: the file is missing, unreadable, not JSON, or neither (one line).
    """
    if not path.exists():
        raise SnapshotError("no such file or directory")
    data = _read_json(path)
    if is_policies_data(data):
        return parse_organization_policies(data)
    if is_organization_data(data):
        return parse_organization(data)
    return parse_gaad(data, str(path), account_id)


SNIFF_BYTES = 4096


def may_hold_organization(path: Path) -> bool:
    """Whether ``path`` could be an organisation listing, judged from its first bytes without parsing it.

    A file whose first key is one of GAAD's cannot be (a listing has none of them), so the files of a
    large organisation are not read twice to find its one listing. Anything less clear is a maybe.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError:
        return True  # the full read will say what is wrong
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False  # not an object: neither a listing nor GAAD (reading it says so)
    key = text[1:].lstrip(b" \t\r\n")
    if not key.startswith(b'"'):
        return key[:1] != b"}"
    end = key.find(b'"', 1)
    return end < 0 or key[1:end].decode("utf-8", "replace") not in GAAD_KEYS


def parse_organization(data: Any) -> Organization:
    """Read ``aws organizations list-accounts`` output, with ``describe-organization``'s when present.

    The ids are checked as AWS issues them: an organisation id ends up in ``aws:PrincipalOrgID``
    conditions of corrected policies, where a wrong one locks everybody out.

    Raises:
        SnapshotError: the document has neither shape, or an id is malformed.
    """
    if not is_organization_data(data):
        raise SnapshotError("not aws organizations list-accounts / describe-organization output")
    details = data.get("Organization") or {}
    if not isinstance(details, dict):
        raise SnapshotError("Organization is not an object")
    items = data.get("Accounts") or []
    if not isinstance(items, list):
        raise SnapshotError("Accounts is not a list")
    accounts = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
            raise SnapshotError(f"Accounts[{index}] has no Id")
        accounts.append(OrgAccount(_account_id(item["Id"], f"Accounts[{index}].Id"), str(item.get("Name", "")),
                                   str(item.get("Email", "")), str(item.get("Status", "ACTIVE"))))
    org_id = details.get("Id")
    where = "Organization.Id"
    if org_id is None:
        for index, item in enumerate(items):
            arn = str(item.get("Arn", ""))
            if ":account/o-" in arn:
                org_id, where = arn.split(":account/", 1)[1].split("/", 1)[0], f"the ARN of Accounts[{index}]"
                break
    if org_id is not None and not (isinstance(org_id, str) and ORG_ID.match(org_id)):
        raise SnapshotError(f"{where} {org_id!r} is not an organisation id ({ORG_ID_SHAPE})")
    management = details.get("MasterAccountId")
    if management is not None:
        management = _account_id(management, "Organization.MasterAccountId")
    return Organization(org_id, management, tuple(accounts))


def _account_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ACCOUNT_ID.match(value):
        raise SnapshotError(f"{where} {value!r} is not a 12-digit account id")
    return value


def load_organization(path: Path) -> Organization:
    """Read an organisation file (``--org-accounts``): a listing or the tree and policies."""
    data = _read_json(path)
    return parse_organization_policies(data) if is_policies_data(data) else parse_organization(data)


def merge_organizations(organizations: Iterable[Organization]) -> Organization | None:
    """One organisation from several listings (e.g. list-accounts and describe-organization files)."""
    found = list(organizations)
    if not found:
        return None
    accounts: dict[str, OrgAccount] = {}
    for org in found:
        for account in org.accounts:
            accounts[account.account_id] = account
    org_id = next((o.org_id for o in found if o.org_id), None)
    management = next((o.management_account for o in found if o.management_account), None)
    return Organization(org_id, management, tuple(accounts.values()), *merge_trees(found))
