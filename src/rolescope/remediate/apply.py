"""Apply a plan and roll it back, so that an interruption at any point loses nothing and a rerun converges.

Apply, in this order:

1. re-prove every change narrows its role's trust (:func:`~rolescope.remediate.verify.widening_reasons`);
2. read every role's current policy and classify it: still the plan's ``before`` (or the original in
   the backup) → to apply; already the ``after`` → done; anything else → drifted, and the whole
   apply is refused before any change (unless drifted roles are skipped on request);
3. write the backup (every original exactly as IAM returned it) and fsync it;
4. per role: note ``applying`` in the backup, write the corrected policy, read it back until IAM
   returns it (IAM is eventually consistent), note ``applied``.

What a rerun does follows from IAM's state, not from the journal's statuses: a role that holds the
corrected policy is done, one that holds its original is applied again. The journal only guarantees
that the original is on disk before anything changes. Rollback is the mirror image, restoring the
original text byte for byte and refusing to overwrite a policy someone changed after the apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rolescope.policy.parse import parse_policy
from rolescope.remediate.errors import DriftError, PlanError, VerifyError
from rolescope.remediate.iam import RoleStore, StoreFactory, TrustText, trust_text
from rolescope.remediate.journal import Clock, Entry, Journal, load_journal, locked, open_journal, utc_now
from rolescope.remediate.plan import Plan, RoleChange
from rolescope.remediate.render import policy_text
from rolescope.remediate.verify import widening_reasons
from rolescope.wording import count

Echo = Callable[[str], None]
T = TypeVar("T")
VERIFY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between read-backs while IAM catches up


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one role: ``applied``, ``already-applied``, ``would-apply``, ``skipped-drift``,
    ``restored``, ``already-restored``, ``would-restore``, ``nothing-to-restore``."""

    role_arn: str
    action: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunSettings:
    """How an apply or rollback runs.

    Attributes:
        dry_run: read and classify, print the calls, change nothing (no backup written either).
        accounts: only roles of these accounts (empty: all).
        echo: where progress lines go.
        sleep: how to wait between read-backs (injected in tests).
        clock: timestamps for the backup's history.
        delays: the waits between read-backs before a mismatch is an error.
    """

    dry_run: bool = False
    accounts: frozenset[str] = frozenset()
    echo: Echo = lambda _: None
    sleep: Callable[[float], None] = time.sleep
    clock: Clock = utc_now
    delays: tuple[float, ...] = VERIFY_DELAYS


def _read_until(read: Callable[[], T], done: Callable[[T], bool], settings: RunSettings) -> T:
    current = read()
    for delay in settings.delays:
        if done(current):
            break
        settings.sleep(delay)
        current = read()
    return current


def _state(change: RoleChange, store: RoleStore, entry: Entry | None) -> tuple[TrustText | None, int | None, str]:
    """The role's trust policy and ``MaxSessionDuration`` (read only when the change lowers it), and
    where it stands: ``done`` (as the plan wants it), ``todo`` (each part as it was, or done), or why
    it drifted."""
    current = store.read(change.role_name)
    session = store.read_max_session(change.role_name) if change.max_session is not None else None
    if current is None:
        return None, session, "the role no longer exists"
    original = change.before if entry is None else trust_text(entry.original_raw).document
    trust_done = current.document == change.after
    if not trust_done and current.document != original:
        return current, session, "its trust policy changed since the scan the plan was made from"
    if change.max_session is None or session == change.max_session.after:
        return current, session, "done" if trust_done else "todo"
    was = entry.original_max_session if entry is not None and entry.original_max_session is not None \
        else change.max_session.before
    if session != was:
        return current, session, (f"its MaxSessionDuration changed since the scan ({session} s; the plan expects "
                                  f"{change.max_session.before} s)")
    return current, session, "todo"


def check_plan(plan: Plan) -> None:
    """Re-prove, at apply time, that every change only narrows its role's trust.

    Raises:
        PlanError: a change could widen access (the plan was not made by rolescope, or was tampered with).
    """
    for change in plan.changes:
        reasons = widening_reasons(parse_policy(change.before), parse_policy(change.after))
        if reasons:
            raise PlanError(f"refusing the plan: the change to {change.role_arn} could widen who can assume it: "
                            f"{reasons[0]}")


def _store(stores: StoreFactory, cache: dict[str, RoleStore], change: RoleChange | Entry, partition: str) -> RoleStore:
    if change.account_id not in cache:
        cache[change.account_id] = stores(change.account_id, partition)
    return cache[change.account_id]


def _partition(arn: str) -> str:
    return arn.split(":", 2)[1] if arn.count(":") >= 2 else "aws"


def apply_plan(plan: Plan, stores: StoreFactory, backup: Path, settings: RunSettings, *, plan_path: str = "",
               skip_drifted: bool = False) -> list[Outcome]:
    """Apply ``plan``, keeping every original in ``backup``. See the module docstring for the steps.

    Args:
        plan: a loaded plan.
        stores: gives each account's :class:`RoleStore`.
        backup: the backup/journal file (created, or resumed when it belongs to this plan).
        settings: dry run, account filter, output, waits.
        plan_path: recorded in the backup.
        skip_drifted: apply the other roles when some drifted, instead of refusing the whole plan.

    Returns:
        One outcome per role of the plan (in the selected accounts).

    Raises:
        PlanError: the plan could widen access.
        DriftError: roles changed since the scan (nothing was changed).
        JournalError: the backup belongs to another plan, is damaged, or is in use.
        AwsError: a call failed (the backup says how far it got; rerun to converge).
        VerifyError: IAM did not return the policy written.
    """
    check_plan(plan)
    changes = [c for c in plan.changes if not settings.accounts or c.account_id in settings.accounts]
    if settings.dry_run:
        journal = load_journal(backup, settings.clock) if backup.exists() else Journal(backup, plan.digest)
        return _apply(plan, changes, stores, journal, settings, skip_drifted)
    with locked(backup):
        journal = open_journal(backup, plan.digest, plan_path, settings.clock)
        return _apply(plan, changes, stores, journal, settings, skip_drifted)


def _apply(plan: Plan, changes: list[RoleChange], stores: StoreFactory, journal: Journal, settings: RunSettings,
           skip_drifted: bool) -> list[Outcome]:
    echo = settings.echo
    cache: dict[str, RoleStore] = {}
    todo: list[tuple[RoleChange, TrustText]] = []
    done: list[tuple[RoleChange, TrustText]] = []
    drifted: list[tuple[str, str]] = []
    sessions: dict[str, int | None] = {}
    for change in changes:
        store = _store(stores, cache, change, change.partition)
        current, sessions[change.role_arn], where = _state(change, store, journal.entries.get(change.role_arn))
        if where == "done" and current is not None:
            done.append((change, current))
        elif where == "todo" and current is not None:
            todo.append((change, current))
        else:
            drifted.append((change.role_arn, where))
    outcomes = [Outcome(arn, "skipped-drift", why) for arn, why in drifted]
    if drifted and not skip_drifted:
        listed = "; ".join(f"{arn}: {why}" for arn, why in drifted)
        raise DriftError(f"nothing was changed: {count(len(drifted), 'role')} drifted ({listed}). Scan again and make "
                         "a new plan, or pass --skip-drifted to apply the others", drifted)
    if settings.dry_run:
        for change, _ in todo:
            echo(f"would call {_calls(change)} --role-name {change.role_name} (account {change.account_id}), "
                 "then iam:GetRole to verify")
        outcomes += [Outcome(c.role_arn, "would-apply") for c, _ in todo]
        outcomes += [Outcome(c.role_arn, "already-applied") for c, _ in done]
        return outcomes
    if not todo and all(change.role_arn in journal.entries for change, _ in done):
        return outcomes + [Outcome(c.role_arn, "already-applied") for c, _ in done]
    for change, current in todo + done:
        if change.role_arn not in journal.entries:
            entry = Entry(change.account_id, change.role_name, change.role_arn, current.raw, change.after)
            if change.max_session is not None:
                entry.original_max_session = sessions[change.role_arn]
                entry.after_max_session = change.max_session.after
            journal.entries[change.role_arn] = entry
            already = any(c is change for c, _ in done)
            journal.record(entry, "unchanged" if already else "pending", "backed up the original")
    journal.save()
    if todo:
        echo(f"backup of {len(journal.entries)} original trust policies (and role settings) written to {journal.path}")
    for change, _ in done:
        entry = journal.entries[change.role_arn]
        if entry.status not in ("applied", "unchanged"):
            journal.record(entry, "applied", "found applied on a rerun")
            journal.save()
        outcomes.append(Outcome(change.role_arn, "already-applied"))
    for change, _ in todo:
        outcomes.append(_apply_one(change, cache[change.account_id], journal, settings))
    return outcomes


def _calls(change: RoleChange) -> str:
    calls = ["iam:UpdateAssumeRolePolicy"] if change.trust_changes else []
    if change.max_session is not None:
        calls.append(f"iam:UpdateRole --max-session-duration {change.max_session.after}")
    return " and ".join(calls)


def _apply_one(change: RoleChange, store: RoleStore, journal: Journal, settings: RunSettings) -> Outcome:
    entry = journal.entries[change.role_arn]
    journal.record(entry, "applying")
    journal.save()
    if change.trust_changes:
        store.write(change.role_name, policy_text(change.after))
    current = _read_until(lambda: store.read(change.role_name),
                          lambda t: t is not None and t.document == change.after, settings)
    if current is None or current.document != change.after:
        journal.record(entry, "unverified", "IAM did not return the corrected policy")
        journal.save()
        raise VerifyError(f"{change.role_arn}: IAM does not return the policy rolescope wrote; the original is in "
                          f"{journal.path} (rolescope fix rollback restores it)")
    if change.max_session is not None:
        _set_session(store, entry, change.role_name, change.max_session.after, journal, settings)
    journal.record(entry, "applied")
    journal.save()
    settings.echo(f"applied and verified: {change.role_arn}")
    return Outcome(change.role_arn, "applied")


def _set_session(store: RoleStore, entry: Entry, role_name: str, seconds: int, journal: Journal,
                 settings: RunSettings) -> None:
    """Set ``MaxSessionDuration`` and read it back until IAM returns it."""
    store.write_max_session(role_name, seconds)
    found = _read_until(lambda: store.read_max_session(role_name), lambda n: n == seconds, settings)
    if found != seconds:
        journal.record(entry, "unverified", f"IAM did not return MaxSessionDuration {seconds}")
        journal.save()
        raise VerifyError(f"{entry.role_arn}: IAM returns MaxSessionDuration {found}, not the {seconds} s rolescope "
                          f"set; the original is in {journal.path}")


def rollback(backup: Path, stores: StoreFactory, settings: RunSettings, *, force: bool = False) -> list[Outcome]:
    """Restore every original trust policy in ``backup``, exactly as IAM first returned it.

    Args:
        backup: the file ``apply`` wrote.
        stores: gives each account's :class:`RoleStore`.
        settings: dry run, account filter, output, waits.
        force: also restore roles whose policy changed after the apply (their current policy is kept
            in the backup first, so it is not lost either).

    Raises:
        DriftError: roles changed after the apply and ``force`` is off (nothing was changed).
        JournalError, AwsError, VerifyError: as for :func:`apply_plan`.
    """
    if settings.dry_run:
        return _rollback(load_journal(backup, settings.clock), stores, settings, force)
    with locked(backup):
        return _rollback(load_journal(backup, settings.clock), stores, settings, force)


def _rollback(journal: Journal, stores: StoreFactory, settings: RunSettings, force: bool) -> list[Outcome]:
    cache: dict[str, RoleStore] = {}
    outcomes: list[Outcome] = []
    todo: list[tuple[Entry, TrustText | None]] = []
    drifted: list[tuple[str, str]] = []
    for entry in journal.entries.values():
        if settings.accounts and entry.account_id not in settings.accounts:
            continue
        if entry.status == "unchanged":
            outcomes.append(Outcome(entry.role_arn, "nothing-to-restore", "it already held the corrected policy"))
            continue
        original = trust_text(entry.original_raw)
        store = _store(stores, cache, entry, _partition(entry.role_arn))
        current = store.read(entry.role_name)
        wanted = entry.original_max_session
        session = store.read_max_session(entry.role_name) if wanted is not None else None
        session_kept = wanted is None or session in (entry.after_max_session, wanted)
        if current is not None and current.text == original.text and session == wanted:
            outcomes.append(Outcome(entry.role_arn, "already-restored"))
            if entry.status != "restored":
                journal.record(entry, "restored", "found restored")
        elif current is not None and current.document in (entry.after, original.document) and session_kept:
            todo.append((entry, current))
        else:
            why = ("the role no longer exists" if current is None
                   else "its MaxSessionDuration changed after the apply" if not session_kept
                   else "its trust policy changed after the apply")
            drifted.append((entry.role_arn, why))
            if force and current is not None:
                todo.append((entry, current))
    if drifted and not force:
        listed = "; ".join(f"{arn}: {why}" for arn, why in drifted)
        raise DriftError(f"nothing was restored: {count(len(drifted), 'role')} changed after the apply ({listed}). "
                         "Pass --force to restore them anyway (their current policy is kept in the backup)", drifted)
    outcomes += [Outcome(arn, "skipped-drift", why) for arn, why in drifted if not any(e.role_arn == arn
                                                                                       for e, _ in todo)]
    if settings.dry_run:
        for entry, _ in todo:
            setting = "" if entry.original_max_session is None else \
                f" (and iam:UpdateRole --max-session-duration {entry.original_max_session})"
            settings.echo(f"would call iam:UpdateAssumeRolePolicy{setting} --role-name {entry.role_name} (account "
                          f"{entry.account_id}) with the original policy, then iam:GetRole to verify")
        return outcomes + [Outcome(e.role_arn, "would-restore") for e, _ in todo]
    journal.save()
    for entry, current in todo:
        outcomes.append(_restore_one(entry, current, cache[entry.account_id], journal, settings))
    return outcomes


def _restore_one(entry: Entry, current: TrustText | None, store: RoleStore, journal: Journal,
                 settings: RunSettings) -> Outcome:
    original = trust_text(entry.original_raw)
    if current is not None and current.document not in (entry.after, original.document):
        journal.record(entry, "restoring", f"forced; replaced policy kept: {current.raw}")
    else:
        journal.record(entry, "restoring")
    journal.save()
    if current is None or current.text != original.text:
        store.write(entry.role_name, original.text)
    found = _read_until(lambda: store.read(entry.role_name), lambda t: t is not None and t.text == original.text,
                        settings)
    if found is None or found.text != original.text:
        journal.record(entry, "unverified", "IAM did not return the original policy")
        journal.save()
        raise VerifyError(f"{entry.role_arn}: IAM does not return the original policy after the restore; "
                          f"it is still in {journal.path}")
    if entry.original_max_session is not None:
        _set_session(store, entry, entry.role_name, entry.original_max_session, journal, settings)
    journal.record(entry, "restored")
    journal.save()
    settings.echo(f"restored byte for byte: {entry.role_arn}")
    return Outcome(entry.role_arn, "restored")
