"""Suppressions: accepted risks, each with a reason and an optional expiry, read from a YAML file.

A suppression names a check, one or more accounts, a role ARN pattern, or any combination (at
least one), and a mandatory reason::

    suppressions:
      - check: trust-to-account-outside-organization
        account: "862407391645"
        resource: "arn:aws:iam::*:role/vendor/datadog-*"
        reason: Datadog integration, approved in SEC-1432
        expires: 2027-03-31

A finding every given field matches is marked suppressed (the reason is kept): it stays in every
report, marked, and no longer counts for ``--fail-on``. A suppression whose expiry date has passed
no longer applies and is reported, so an accepted risk is looked at again rather than forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Protocol

from rolescope.checks.finding import Finding
from rolescope.report.model import SuppressionEntry, SuppressionReport
from rolescope.userfiles import UnreadableFile, read_user_text
from rolescope.yaml_input import account_ids, parse_user_yaml

FIELDS = ("check", "account", "resource", "reason", "expires")
MAX_REASON = 1000


class Covered(Protocol):
    """What a suppression matches on: a finding as the scanner emits it, or as the document holds it."""

    @property
    def check(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    @property
    def resource(self) -> str: ...

    @property
    def suppressed(self) -> str | None: ...


class SuppressionError(ValueError):
    """A suppressions file that cannot be used; the message is one line naming the file and the entry."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted risk.

    Attributes:
        index: the entry's position in the file (1-based), for messages.
        check: the check id it applies to, or ``None`` for every check.
        accounts: the accounts it applies to (empty: every account).
        resource: a glob on the role ARN (``*`` matches any run of characters, ``/`` included,
            ``?`` one character), or ``None`` for every role.
        reason: why the risk is accepted.
        expires: the last day it applies, or ``None``.
    """

    index: int
    check: str | None
    accounts: frozenset[str]
    resource: str | None
    reason: str
    expires: date | None = None

    def matches(self, finding: Covered) -> bool:
        """Whether ``finding`` is covered (expiry aside)."""
        return (
            (self.check is None or finding.check == self.check)
            and (not self.accounts or finding.account_id in self.accounts)
            and (self.resource is None or fnmatchcase(finding.resource, self.resource))
        )

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """What the entry covers, for people: ``check X, account Y, resource Z``."""
        parts = []
        if self.check:
            parts.append(f"check {self.check}")
        if self.accounts:
            parts.append("account " + ",".join(sorted(self.accounts)))
        if self.resource:
            parts.append(f"resource {self.resource}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Suppressions:
    """The entries of one file, judged on one day (so applying and reporting agree).

    Attributes:
        source: the file they came from.
        entries: every entry, in file order.
        today: the day expiry is judged on.
    """

    source: str
    entries: tuple[Suppression, ...]
    today: date

    @property
    def active(self) -> tuple[Suppression, ...]:
        return tuple(s for s in self.entries if not s.expired(self.today))

    @property
    def expired(self) -> tuple[Suppression, ...]:
        return tuple(s for s in self.entries if s.expired(self.today))

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """``findings`` with each one the first matching active entry covers marked suppressed.

        A finding already suppressed keeps its reason.
        """
        active = self.active
        marked: list[Finding] = []
        for finding in findings:
            if finding.suppressed is None:
                entry = next((s for s in active if s.matches(finding)), None)
                if entry is not None:
                    finding = replace(finding, suppressed=entry.reason)
            marked.append(finding)
        return marked

    def report(self, findings: Sequence[Covered]) -> SuppressionReport:
        """The document's ``suppressions`` block: the file, what each entry covered, what expired.

        Args:
            findings: the scan's findings, after :meth:`apply`.
        """

        def entry(suppression: Suppression, covered: int) -> SuppressionEntry:
            return SuppressionEntry(suppression.index, suppression.check, tuple(sorted(suppression.accounts)),
                                    suppression.resource, suppression.reason,
                                    suppression.expires.isoformat() if suppression.expires else None, covered)

        return SuppressionReport(
            source=self.source,
            entries=len(self.entries),
            today=self.today.isoformat(),
            applied=tuple(entry(s, sum(1 for f in findings if s.matches(f) and f.suppressed == s.reason))
                          for s in self.active),
            # for an expired entry: the findings it would cover that no other entry suppresses
            expired=tuple(entry(s, sum(1 for f in findings if s.matches(f) and f.suppressed is None))
                          for s in self.expired),
        )

    def warnings(self) -> list[str]:
        """One line per expired entry, for standard error; one when the file holds none (an empty or
        truncated file would otherwise suppress nothing without a word)."""
        if not self.entries:
            return [f"{self.source}: no suppressions in the file; every finding is reported"]
        return [
            f"{self.source}: suppression #{s.index} ({s.describe()}) expired on {s.expires}; "
            f"the findings it covered are reported again" for s in self.expired
        ]


def load_suppressions(path: Path, today: date, known_checks: Iterable[str] | None = None) -> Suppressions:
    """Read and validate a suppressions file.

    Args:
        path: the YAML file.
        today: the day expiry is judged on.
        known_checks: the check ids an entry may name (a typo would otherwise suppress nothing).

    Returns:
        The validated entries.

    Raises:
        SuppressionError: the file is missing, unreadable, not YAML, or an entry is invalid.
    """
    try:
        text = read_user_text(path, "a YAML file")
    except UnreadableFile as error:
        raise SuppressionError(str(error)) from None
    return parse_suppressions(text, str(path), today, known_checks)


def parse_suppressions(text: str, source: str, today: date, known_checks: Iterable[str] | None = None
                       ) -> Suppressions:
    """Validate suppressions given as YAML text (see :func:`load_suppressions`)."""
    data = parse_user_yaml(text, source, SuppressionError)
    if data is None:
        return Suppressions(source, (), today)
    if not isinstance(data, dict) or set(data) != {"suppressions"}:
        raise SuppressionError(f"{source}: expected a mapping with one key, 'suppressions', holding a list")
    items = data["suppressions"]
    if items is None:
        items = []
    if not isinstance(items, list):
        raise SuppressionError(f"{source}: 'suppressions' must be a list of entries")
    checks = frozenset(known_checks) if known_checks is not None else None
    entries = tuple(_entry(item, index, source, checks) for index, item in enumerate(items, start=1))
    return Suppressions(source, entries, today)


def _entry(item: Any, index: int, source: str, checks: frozenset[str] | None) -> Suppression:
    where = f"{source}: suppression #{index}"
    if not isinstance(item, dict):
        raise SuppressionError(f"{where}: expected a mapping with check/account/resource, reason, expires")
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        raise SuppressionError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise SuppressionError(f"{where}: 'reason' is required and must be non-empty text")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise SuppressionError(f"{where}: 'reason' is longer than {MAX_REASON} characters")
    check = _text(item.get("check"), "check", where)
    if check is not None and checks is not None and check not in checks:
        raise SuppressionError(f"{where}: no such check {check!r}")
    accounts = _accounts(item.get("account"), where)
    resource = _text(item.get("resource"), "resource", where)
    if check is None and not accounts and resource is None:
        raise SuppressionError(f"{where}: name at least one of check, account, resource "
                               f"(a suppression of everything is not an accepted risk)")
    return Suppression(index, check, accounts, resource, reason, _expiry(item.get("expires"), where))


def _text(value: Any, name: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SuppressionError(f"{where}: {name!r} must be non-empty text")
    return value.strip()


def _accounts(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    return frozenset(account_ids(value, where, "account", SuppressionError))


def _expiry(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SuppressionError(f"{where}: 'expires' must be a date, YYYY-MM-DD, not {value!r}")
