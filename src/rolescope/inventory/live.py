"""Collect accounts' IAM state from AWS, many accounts at once, each failing on its own.

Per account, and nothing more:

* ``GetAccountAuthorizationDetails`` filtered to roles and customer-managed policies (what the checks
  read), paginated;
* ``ListAccountAliases`` for the alias;
* ``GetRole`` for each role outside callers can assume, because GAAD omits ``MaxSessionDuration``.
  Which roles those are is decided by the trust engine, in the zone of trust the scan will use.

Every client uses adaptive retries and counts its calls. The result of each account is GAAD-shaped
JSON (what ``aws iam get-account-authorization-details`` prints, plus ``AccountAlias`` and
``MaxSessionDuration``): parsed into the snapshot that is scanned, and written as is by ``export``,
so an offline scan of an export sees exactly what the live scan saw. Policy documents stay as IAM
returns them (URL-encoded text), so the original text is kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from rolescope.auth.clients import CallCounter, client_config
from rolescope.auth.errors import ErrorReport, describe_error
from rolescope.auth.targets import Target
from rolescope.auth.validate import DEFAULT_WORKERS
from rolescope.inventory.gaad import GAAD_KEYS, parse_gaad
from rolescope.inventory.model import AccountSnapshot, JsonObject, Organization
from rolescope.policy.errors import PolicyError
from rolescope.scanner import TrustCache, zone_for

GAAD_FILTER = ("Role", "LocalManagedPolicy")
GAAD_PAGE_SIZE = 1000  # the most IAM returns per page
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
    from botocore.handlers import json_decode_policies  # heavy: imported when a client is made

    client = session.client("iam", config=client_config())
    client.meta.events.unregister("after-call.iam", json_decode_policies)
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


def cross_account_roles(snapshot: AccountSnapshot, organization: Organization | None) -> list[str]:
    """Names of the roles callers outside the zone of trust can assume (unreadable trust policies skipped)."""
    cache = TrustCache()
    zone = zone_for(snapshot, organization)
    names = []
    for role in snapshot.roles:
        try:
            if cache.analyse(role.trust_policy, zone).cross_account:
                names.append(role.name)
        except PolicyError:
            continue
    return names


def collect_account(target: Target, session: Any, counter: CallCounter,
                    organization: Organization | None = None) -> AccountData:
    """Collect one account.

    Raises:
        Exception: whatever stopped it (botocore's errors carry the AWS code); :func:`collect`
            turns it into an :class:`AccountFailure`.
    """
    iam = iam_client(session, counter)
    data = fetch_gaad(iam)
    alias = fetch_alias(iam)
    if alias is not None:
        data["AccountAlias"] = alias
    source = f"aws:{target.account_id}"
    snapshot = parse_gaad(data, source, target.account_id)
    notes: list[str] = []
    wanted = set(cross_account_roles(snapshot, organization))
    for item in data["RoleDetailList"]:
        if item.get("RoleName") not in wanted:
            continue
        try:
            role = iam.get_role(RoleName=item["RoleName"])["Role"]
        except ClientError as error:
            # A role deleted meanwhile, or GetRole denied: its session length stays unknown.
            notes.append(f"MaxSessionDuration of {item['RoleName']} unknown: {describe_error(error)}")
            continue
        if "MaxSessionDuration" in role:
            item["MaxSessionDuration"] = int(role["MaxSessionDuration"])
    if wanted:
        snapshot = parse_gaad(data, source, target.account_id)
    return AccountData(target, data, snapshot, counter, notes)


def _collect_one(target: Target, open_session: SessionFactory,
                 organization: Organization | None) -> AccountData | AccountFailure:
    counter: CallCounter | None = None
    try:
        session, counter = open_session(target)
        return collect_account(target, session, counter, organization)
    except Exception as error:  # one account's failure never stops the others
        return AccountFailure(target, describe_error(error), counter)


def collect(targets: Sequence[Target], open_session: SessionFactory, organization: Organization | None = None,
            workers: int = DEFAULT_WORKERS,
            progress: Callable[[AccountData | AccountFailure], None] | None = None) -> Collection:
    """Collect ``targets`` concurrently: one thread per account at a time, one session per account.

    Args:
        targets: the accounts.
        open_session: opens each account's session (assuming its role) and gives its call counter.
        organization: the organisation, to judge which roles are cross-account.
        workers: accounts collected at once.
        progress: called as each account finishes.

    Returns:
        Collected accounts and failures, both in the order of ``targets``.
    """
    results: dict[int, AccountData | AccountFailure] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1)),
                              thread_name_prefix="rolescope-account")
    try:
        futures = {pool.submit(_collect_one, target, open_session, organization): index
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
