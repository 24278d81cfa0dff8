"""Audit whole accounts: analyse every role's trust once per distinct document, run the checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.finding import CheckError, Finding
from rolescope.checks.registry import (
    ACCOUNT_CHECKS,
    CHECKS,
    RegisteredAccountCheck,
    RegisteredCheck,
    checks_for,
    run_account_checks,
    run_checks,
)
from rolescope.inventory.model import AccountSnapshot, Organization, Role
from rolescope.policy.control import ControlKind
from rolescope.policy.errors import PolicyError
from rolescope.policy.model import PolicyDocument
from rolescope.policy.parse import parse_policy
from rolescope.policy.request_time import epoch_seconds
from rolescope.records import quick_init
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.canonical import ZoneShapes, plan, rename, template
from rolescope.trust.perimeter import with_statements
from rolescope.trust.perimeter_kinds import AccountPerimeters
from rolescope.trust.perimeter_verdict import PerimeterVerdict, perimeter_verdict
from rolescope.trust.renaming import Plan
from rolescope.trust.witness import Zone


@quick_init
@dataclass(frozen=True, slots=True)
class RoleResult:
    """One role's verdicts."""

    role: Role
    analysis: TrustAnalysis | None
    error: str | None = None
    perimeter: PerimeterVerdict | None = None  # what the organisation's RCPs do to it (None: no RCPs known)
    # Its analysis's paths as evidence, filled by whoever needs them first (a finding, the report),
    # shared by the account's roles with that analysis (see checks.context.filled_paths).
    paths: list[dict[str, Any]] | None = field(default=None, compare=False)


@dataclass(slots=True)
class AccountResult:
    """One account: scanned (with its roles) or failed (with the reason)."""

    account_id: str
    status: str
    alias: str | None = None
    error: str | None = None
    source: str = ""
    roles: list[RoleResult] = field(default_factory=list)
    snapshot: AccountSnapshot | None = None
    api_calls: int | None = None


@dataclass(slots=True)
class ScanResult:
    accounts: list[AccountResult]
    findings: list[Finding]
    errors: list[CheckError]
    organization: Organization | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    as_of: datetime | None = None  # the clock the accounts were judged at

    @property
    def failed(self) -> list[AccountResult]:
        return [a for a in self.accounts if a.status == "failed"]


class TrustCache:
    """Parses and analyses each distinct trust document once per zone: many roles share one.

    With ``share`` (the default), documents that differ only in names the verdicts cannot see
    (account ids, principal names, OIDC issuers, ExternalIds, OIDC subjects, source ARNs, Sids...)
    share one analysis, renamed for each (see :mod:`rolescope.trust.canonical`): the same answers,
    one search.
    ``stats`` counts ``analysed`` (searched), ``renamed`` and ``reused`` (identical document and zone).

    Memory stays bounded however many accounts one cache serves: a zone names its account, so
    analyses are kept for the current zone only (accounts are scanned one after the other), and
    parsed documents (and their reductions) at most ``max_documents`` at a time; only the
    templates, which are what accounts share, live for the whole run.
    """

    def __init__(self, share: bool = True, max_documents: int = 50_000) -> None:
        self.share = share
        self.stats: Counter[str] = Counter()
        self._max_documents = max_documents
        self._policies: dict[bytes, PolicyDocument | PolicyError] = {}
        self._zone: Zone | None = None
        self._minimum: int | None = None
        self._analyses: dict[bytes, TrustAnalysis] = {}
        # For the current zone: a renamed analysis's id -> the analysis it renames (the renamed one is
        # held by _analyses, so its id is not reused while the entry lives).
        self._origins: dict[int, TrustAnalysis] = {}
        # template key -> the analysis searched for it, compiled for renaming into the key's other policies
        self._templates: dict[Hashable, Plan] = {}
        self._local: dict[Hashable, Plan] = {}  # keys holding the zone
        self._shapes = ZoneShapes(max_documents)

    def analyse(self, document: dict[str, object], zone: Zone, external_id_pattern_minimum: int | None = None
                ) -> TrustAnalysis:
        """The analysis of ``document`` in ``zone`` (see :func:`analyse_trust` for the minimum); raises
        :class:`PolicyError` for a bad document."""
        key = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        if external_id_pattern_minimum != self._minimum:
            # Another judgement of ExternalId patterns (a run normally keeps one): nothing carries over.
            self._minimum = external_id_pattern_minimum
            self._zone = None
            self._templates = {}
        if zone is not self._zone and zone != self._zone:  # one account's roles share one zone object
            self._zone = zone
            self._analyses = {}
            self._origins = {}
            self._local = {}
        found = self._analyses.get(key)
        if found is not None:
            self.stats["reused"] += 1
            return found
        # A key is kept: copied to its own length, since orjson (3.13) hands out each result in a
        # buffer of 4 KiB or more, which the tens of thousands of documents kept would each hold.
        key = memoryview(key).tobytes()
        policy = self._policies.get(key)
        if policy is None:
            if len(self._policies) >= self._max_documents:
                self._policies = {}  # a new generation: re-parsing is cheaper than holding them all
            try:
                policy = parse_policy(document)
            except PolicyError as error:
                policy = error
            self._policies[key] = policy
        if isinstance(policy, PolicyError):
            raise policy
        found = self._fresh(policy, zone, external_id_pattern_minimum)
        self._analyses[key] = found
        return found

    def origin(self, analysis: TrustAnalysis) -> TrustAnalysis:
        """The analysis that ``analysis`` (returned by :meth:`analyse` in the current zone) was renamed
        from, or ``analysis`` itself.

        The two are twins: the same verdicts, paths and exposures but for the names renamed, and
        policies with one template (the same statements, effects, principal kinds, condition keys and
        operators). What reads no name, as each check's ``applies`` does, answers alike for both
        (``tests/trust/test_canonical.py`` holds it), and can be worked out once per origin.
        """
        return self._origins.get(id(analysis), analysis)

    def _fresh(self, policy: PolicyDocument, zone: Zone, minimum: int | None) -> TrustAnalysis:
        shape = template(policy, zone, self._shapes) if self.share else None
        if shape is not None:
            templates = self._local if shape.local else self._templates
            known = templates.get(shape.key)
            if known is not None:
                self.stats["renamed"] += 1
                renamed = rename(known, shape, policy, zone)
                self._origins[id(renamed)] = known.analysis
                return renamed
        self.stats["analysed"] += 1
        analysis = analyse_trust(policy, zone, minimum)
        if shape is not None:
            templates[shape.key] = plan(analysis, shape)
        return analysis


def zone_for(snapshot: AccountSnapshot, organization: Organization | None, clock: datetime | None = None) -> Zone:
    """The zone of trust a role in ``snapshot`` is judged in, at ``clock`` or later (``None``: at any time)."""
    partition = snapshot.roles[0].partition if snapshot.roles else "aws"
    org = organization or snapshot.organization
    member = org is not None and (snapshot.account_id in org.account_ids or not org.accounts)
    return Zone(
        snapshot.account_id,
        partition,
        org.org_id if org is not None and member else None,
        org.account_ids if org is not None and org.accounts and member else None,
        None if clock is None else epoch_seconds(clock),
    )


def analyse_role(role: Role, zone: Zone, organization: Organization | None, cache: TrustCache,
                 external_id_pattern_minimum: int | None = None) -> tuple[TrustAnalysis, PerimeterVerdict | None]:
    """The role's effective trust (its trust policy and the RCPs that cover it) and the perimeter's
    verdict (``None`` when the organisation has no RCPs); raises :class:`PolicyError` for a bad trust policy."""
    if organization is None or not any(p.kind is ControlKind.RCP for p in organization.policies):
        return cache.analyse(role.trust_policy, zone, external_id_pattern_minimum), None
    perimeters = AccountPerimeters(organization, zone.account_id)
    return _under_perimeter(role, perimeters, perimeters.kind(role), zone, cache, external_id_pattern_minimum)


def _under_perimeter(role: Role, perimeters: AccountPerimeters, kind: Hashable, zone: Zone, cache: TrustCache,
                     minimum: int | None) -> tuple[TrustAnalysis, PerimeterVerdict]:
    """:func:`analyse_role` for a role of ``kind`` among ``perimeters``."""
    perimeter, denies = perimeters.of(role, kind)
    alone = effective = cache.analyse(role.trust_policy, zone, minimum)
    if denies:
        effective = cache.analyse(with_statements(role.trust_policy, denies), zone, minimum)
    return effective, perimeter_verdict(perimeter, alone, effective, perimeters.organization, role.service_linked)


def scan_snapshot(snapshot: AccountSnapshot, settings: CheckSettings, cache: TrustCache,
                  checks: Sequence[RegisteredCheck] = CHECKS,
                  account_checks: Sequence[RegisteredAccountCheck] | None = None
                  ) -> tuple[AccountResult, list[Finding], list[CheckError]]:
    """Analyse and check every role of one account, then its principals (``account_checks``: by
    default every account check when ``checks`` is every role check, else none).

    Returns:
        The account's result, its findings, and its check errors; a role whose trust policy IAM
        would reject becomes an error record, never an exception.
    """
    zone = zone_for(snapshot, settings.organization, settings.now)
    result = AccountResult(snapshot.account_id, "scanned", snapshot.alias, source=snapshot.source,
                           snapshot=snapshot)
    findings: list[Finding] = []
    errors: list[CheckError] = []
    # The checks that can report anything, and the paths' evidence, per analysis (roles with one
    # document share one object); holding the analysis keeps its id from being reused. The checks are
    # chosen once per origin (renamed twins answer alike: see TrustCache.origin).
    relevant: dict[int, tuple[TrustAnalysis, tuple[RegisteredCheck, ...], list[dict[str, Any]]]] = {}
    applicable: dict[int, tuple[TrustAnalysis, tuple[RegisteredCheck, ...]]] = {}
    organization = settings.organization or snapshot.organization
    minimum = settings.min_external_id_pattern_literals
    # Without RCPs a role's analysis is the cache's answer alone; under them, what analyse_role answers
    # is worked out once per trust policy and kind of role (see AccountPerimeters).
    perimeters = None
    if organization is not None and any(p.kind is ControlKind.RCP for p in organization.policies):
        perimeters = AccountPerimeters(organization, snapshot.account_id)
    judged: dict[tuple[bytes, Hashable], tuple[TrustAnalysis, PerimeterVerdict]] = {}
    roles = result.roles
    for role in snapshot.roles:
        try:
            perimeter: PerimeterVerdict | None
            if perimeters is not None:
                kind = perimeters.kind(role)
                key = (orjson.dumps(role.trust_policy, option=orjson.OPT_SORT_KEYS), kind)
                found = judged.get(key)
                if found is None:
                    found = judged[key] = _under_perimeter(role, perimeters, kind, zone, cache, minimum)
                analysis, perimeter = found
            else:
                analysis, perimeter = cache.analyse(role.trust_policy, zone, minimum), None
        except PolicyError as error:
            roles.append(RoleResult(role, None, str(error)))
            reason = f"unreadable trust policy: {error}"
            errors.append(CheckError("trust-policy", snapshot.account_id, role.arn, reason))
            continue
        known = relevant.get(id(analysis))
        if known is None:
            origin = cache.origin(analysis)
            chosen = applicable.get(id(origin))
            if chosen is None:
                chosen = applicable[id(origin)] = (origin, checks_for(origin, checks))
            known = relevant[id(analysis)] = (analysis, chosen[1], [])
        roles.append(RoleResult(role, analysis, None, perimeter, known[2]))
        if known[1]:
            context = RoleContext(snapshot.account_id, role.arn, analysis, settings, role, snapshot, perimeter,
                                  known[2])
            role_findings, role_errors = run_checks(context, known[1])
            findings += role_findings
            errors += role_errors
    if account_checks is None:
        account_checks = ACCOUNT_CHECKS if checks is CHECKS else ()
    account_findings, account_errors = run_account_checks(snapshot, settings, account_checks)
    return result, findings + account_findings, errors + account_errors


def scan_snapshots(
    snapshots: Iterable[AccountSnapshot],
    settings: CheckSettings,
    checks: Sequence[RegisteredCheck] = CHECKS,
    progress: Callable[[AccountSnapshot], None] | None = None,
) -> ScanResult:
    """Scan many accounts. Each account is independent: one failing never loses the others."""
    cache = TrustCache()
    result = ScanResult([], [], [], settings.organization, as_of=settings.now)
    for snapshot in snapshots:
        account, findings, errors = scan_snapshot(snapshot, settings, cache, checks)
        result.accounts.append(account)
        result.findings += findings
        result.errors += errors
        if progress is not None:
            progress(snapshot)
    return result
