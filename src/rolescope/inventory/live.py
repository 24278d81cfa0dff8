"""Collect accounts' IAM state from AWS, many accounts at once, each failing on its own.

Per account, and nothing more, however many roles it has and however many of them outside callers
can assume:

* ``GetAccountAuthorizationDetails`` filtered to roles and customer-managed policies (what the checks
  read), 1,000 items a page;
* ``ListAccountAliases`` for the alias;
* ``ListRoles``, 1,000 roles a page, for each role's ``MaxSessionDuration``: GAAD gives everything else
  the checks read (trust and permission policies, boundary, tags, last use) but not that. A role that
  ListRoles does not list (made or deleted between the two calls), or every role when ListRoles is
  refused, keeps an unknown session length, and the account's notes say which.

Every client retries throttled calls (:mod:`rolescope.auth.clients`) and counts its calls. The
result of each account is GAAD-shaped JSON (what ``aws iam get-account-authorization-details``
prints, plus ``AccountAlias`` and each role's ``MaxSessionDuration``): parsed into the snapshot that
is scanned, and written as is by ``export``, so an offline scan of an export sees exactly what the
live scan saw, whatever zone of trust it uses. Policy documents stay as IAM returns them
(URL-encoded text), so the original text is kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from rolescope.auth.botocore_adapter import keep_policy_documents_encoded
from rolescope.auth.clients import CallCounter, client_config
from rolescope.auth.errors import ErrorReport, describe_error
from rolescope.auth.targets import Target
from rolescope.auth.validate import DEFAULT_WORKERS
from rolescope.inventory.gaad import GAAD_KEYS, parse_gaad
from rolescope.inventory.model import AccountSnapshot, JsonObject

# Users and groups too: their identity policies are the trusted side of the trust graph (who in an
# account may call sts:AssumeRole) and what identity-assume-any-role reads.
GAAD_FILTER = ("Role", "User", "Group", "LocalManagedPolicy")
GAAD_PAGE_SIZE = 1000  # the most IAM returns per page
LIST_ROLES_PAGE_SIZE = 1000  # likewise
NAMED_IN_NOTES = 10  # roles a note names; it counts the others
# (target) -> a boto3 session for its account, and the counter of the calls made for it.
SessionFactory = Callable[[Target], tuple[Any, CallCounter]]


@dataclass(frozen=True, slots=True)
class AccountFailure:
    """An account that could not be collected, and the AWS error that stopped it."""

    target: Target
    error: ErrorReport
    calls: CallCounter | None = None

    @property
    def account_id(self) -> str:
        return self.target.account_id


@dataclass(slots=True)
class AccountData:
    """One collected account: its GAAD-shaped JSON, the snapshot parsed from it, notes, call counts."""

    target: Target
    gaad: JsonObject
    snapshot: AccountSnapshot
    calls: CallCounter
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Collection:
    """What a collection run found: accounts collected and accounts that failed, in target order."""

    accounts: list[AccountData]
    failures: list[AccountFailure]

    @property
    def snapshots(self) -> list[AccountSnapshot]:
        return [a.snapshot for a in self.accounts]


def iam_client(session: Any, counter: CallCounter) -> Any:
    """An IAM client that counts its calls and leaves policy documents as IAM sent them."""
    client = session.client("iam", config=client_config())
    keep_policy_documents_encoded(client)
    return counter.attach(client)


def fetch_gaad(iam: Any) -> JsonObject:
    """Every page of ``GetAccountAuthorizationDetails`` (roles and customer-managed policies), merged."""
    merged: JsonObject = {key: [] for key in GAAD_KEYS}
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=list(GAAD_FILTER), PaginationConfig={"PageSize": GAAD_PAGE_SIZE}
    )
    for page in pages:
        for key in GAAD_KEYS:
            merged[key].extend(page.get(key) or ())
    return merged


def fetch_alias(iam: Any) -> str | None:
    """The account's alias (an account has at most one)."""
    aliases = iam.list_account_aliases().get("AccountAliases") or []
    return str(aliases[0]) if aliases else None


# A role as both listings know it: its ARN and id, so a role deleted and made again between the two calls
# (same name, new id) is not given the old one's session length.
RoleKey = tuple[str, str]


def _role_key(item: JsonObject) -> RoleKey:
    return str(item.get("Arn", "")), str(item.get("RoleId", ""))


def fetch_session_durations(iam: Any) -> tuple[dict[RoleKey, int], ErrorReport | None]:
    """``MaxSessionDuration`` of every role ``ListRoles`` lists, 1,000 roles a page.

    Returns:
        The durations by role, and the error that cut the listing short (``None`` when it did not):
        the pages read before it are kept.
    """
    durations: dict[RoleKey, int] = {}
    pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": LIST_ROLES_PAGE_SIZE})
    try:
        for page in pages:
            for role in page.get("Roles") or ():
                if "MaxSessionDuration" in role:
                    durations[_role_key(role)] = int(role["MaxSessionDuration"])
    except ClientError as error:  # refused, or throttled past every retry: the account is still scanned
        return durations, describe_error(error)
    return durations, None


def add_session_durations(roles: list[JsonObject], durations: dict[RoleKey, int]) -> list[str]:
    """Give each GAAD role item its ``MaxSessionDuration``.

    Args:
        roles: GAAD's ``RoleDetailList`` items, changed in place.
        durations: what :func:`fetch_session_durations` found.

    Returns:
        The names of the roles ``durations`` does not know, whose session length stays unknown.
    """
    unknown = []
    for item in roles:
        duration = durations.get(_role_key(item))
        if duration is None:
            unknown.append(str(item.get("RoleName", "")))
        else:
            item["MaxSessionDuration"] = duration
    return unknown


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMED_IN_NOTES])
    more = len(names) - NAMED_IN_NOTES
    return f"{shown} and {more} more" if more > 0 else shown


def unknown_durations_note(unknown: list[str], total: int, error: ErrorReport | None) -> str | None:
    """What the user should know about the roles whose session length is unknown.

    Args:
        unknown: their names.
        total: the roles of the account.
        error: why ListRoles stopped short, if it did.

    Returns:
        One line naming the first roles and counting the rest; ``None`` when every length is known.
    """
    if not unknown:
        return None
    which = f"{len(unknown)} of {total} roles ({_names(unknown)})"
    if error is not None:
        return (f"MaxSessionDuration unknown for {which}, not checked for long sessions: ListRoles failed: "
                f"{error}")
    return (f"MaxSessionDuration unknown for {which}, not checked for long sessions: not listed by ListRoles "
            "(made or deleted during the scan)")


def collect_account(target: Target, session: Any, counter: CallCounter) -> AccountData:
    """Collect one account: GAAD pages, its alias, ListRoles pages.

    Raises:
        Exception: whatever stopped it (botocore's errors carry the AWS code); :func:`collect`
            turns it into an :class:`AccountFailure`. A failed ListRoles does not: it leaves session
            lengths unknown, with a note.
    """
    iam = iam_client(session, counter)
    data = fetch_gaad(iam)
    alias = fetch_alias(iam)
    if alias is not None:
        data["AccountAlias"] = alias
    durations, error = fetch_session_durations(iam)
    roles = data["RoleDetailList"]
    note = unknown_durations_note(add_session_durations(roles, durations), len(roles), error)
    snapshot = parse_gaad(data, f"aws:{target.account_id}", target.account_id)
    return AccountData(target, data, snapshot, counter, [note] if note else [])


def _collect_one(target: Target, open_session: SessionFactory) -> AccountData | AccountFailure:
    counter: CallCounter | None = None
    try:
        session, counter = open_session(target)
        return collect_account(target, session, counter)
    except Exception as error:  # one account's failure never stops the others
        return AccountFailure(target, describe_error(error), counter)


def collect(targets: Sequence[Target], open_session: SessionFactory, *, workers: int = DEFAULT_WORKERS,
            progress: Callable[[AccountData | AccountFailure], None] | None = None) -> Collection:
    """Collect ``targets`` concurrently: one thread per account at a time, one session per account.

    Args:
        targets: the accounts.
        open_session: opens each account's session (assuming its role) and gives its call counter.
        workers: accounts collected at once.
        progress: called as each account finishes.

    Returns:
        Collected accounts and failures, both in the order of ``targets``.
    """
    results: dict[int, AccountData | AccountFailure] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1)),
                              thread_name_prefix="rolescope-account")
    try:
        futures = {pool.submit(_collect_one, target, open_session): index
                   for index, target in enumerate(targets)}
        for future in as_completed(futures):
            outcome = future.result()
            results[futures[future]] = outcome
            if progress is not None:
                progress(outcome)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: start no other account
        raise
    pool.shutdown()
    ordered = [results[i] for i in range(len(targets))]
    return Collection([r for r in ordered if isinstance(r, AccountData)],
                      [r for r in ordered if isinstance(r, AccountFailure)])
