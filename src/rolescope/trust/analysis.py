"""Who outside the account can assume a role, and what each way in requires.

:func:`analyse_trust` answers, for one trust policy and the account it lives in, the questions every
check builds on: is the role cross-account? public? does every outside request carry MFA or a
specific ExternalId? and, per allowing statement, which principals it admits and what it requires.
Each answer comes from :func:`rolescope.trust.search.find_request` over the finite caller witnesses,
so ``Bool`` vs ``BoolIfExists``, Deny statements, ``Null``, wildcard ExternalIds and several Allow
paths all come out as IAM would decide them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rolescope.policy.model import Effect, PolicyDocument, Principal, PrincipalKind, PrincipalType, Statement
from rolescope.policy.request import Request
from rolescope.policy.request_time import TIME_KEYS, made_at, request_moment
from rolescope.records import quick_init
from rolescope.trust.external_ids import EXTERNAL_ID, chosen_external_id
from rolescope.trust.keyspace import KeySpec, Presence, solve_key
from rolescope.trust.providers import PUBLIC_PROVIDERS
from rolescope.trust.search import find_request
from rolescope.trust.sources import outsider_sources
from rolescope.trust.subjects import Constraints, SubjectGrammar, grammar_for, readable
from rolescope.trust.witness import (
    ORG_PATHS,
    OUTSIDER_ORG_PATHS,
    SOURCE_KEYS,
    CallerWitness,
    Mfa,
    Scope,
    Zone,
    caller_witnesses,
    star_providers,
)
from rolescope.trust.witness_index import WitnessIndex

UNPINNED = KeySpec(unpinned=True)
# Requirement name -> the condition keys that carry it.
REQUIREMENT_KEYS: dict[str, tuple[str, ...]] = {
    "external_id": ("sts:externalid",),
    "org": ("aws:principalorgid", "aws:principalorgpaths"),
    "principal_account": ("aws:principalaccount",),
    "principal_arn": ("aws:principalarn",),
    "source_account": ("aws:sourceaccount",),
    "source_arn": ("aws:sourcearn",),
    "source_org": ("aws:sourceorgid", "aws:sourceorgpaths"),
    "source_ip": ("aws:sourceip",),
    "source_vpc": ("aws:sourcevpc", "aws:sourcevpce"),
    "saml_aud": ("saml:aud",),
}
_NAMED_KEYS = {key: name for name, keys in REQUIREMENT_KEYS.items() for key in keys}
_NAMED_IN_STAR = frozenset({PrincipalKind.SERVICE, PrincipalKind.SAML_PROVIDER, PrincipalKind.OIDC_PROVIDER,
                            PrincipalKind.PUBLIC_IDP})
_MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
_IS_SERVICE = "aws:principalisawsservice"


@quick_init
@dataclass(frozen=True, slots=True)
class TrustPath:
    """One way in: an Allow statement and the kind of caller it admits.

    Attributes:
        statement: the statement's index.
        sid: its Sid.
        scope: ``cross-account``, ``same-account``, ``service`` or ``federated``.
        principals: the policy principals through which callers of this scope get in (``*`` when
            any account can).
        requires: what every request on this path must carry (``mfa``, ``external_id``, ``org``,
            ``principal_arn``, ``source_account``, ``oidc_sub``, ``saml_aud``...).
        guarded: for cross-account paths, whether every request carries MFA or a specific ExternalId.
        public: whether a caller from an account nobody named gets in on this path.
        example: a concrete allowed request that shows the path is open.
    """

    statement: int
    sid: str | None
    scope: Scope
    principals: tuple[str, ...]
    requires: tuple[str, ...]
    guarded: bool | None = None
    public: bool = False
    example: Request | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Exposure:
    """A statement that lets a kind of caller in without what should confine it."""

    statement: int
    sid: str | None
    principal: str
    example: Request | None = field(default=None, compare=False)


@quick_init
@dataclass(frozen=True, slots=True)
class TrustAnalysis:
    """The verdicts for one trust policy in one account. See :func:`analyse_trust`."""

    zone: Zone
    policy: PolicyDocument
    cross_account: bool
    public: bool
    mfa_or_external_id_required: bool | None
    paths: tuple[TrustPath, ...]
    outside_accounts: tuple[str, ...]
    public_paths: tuple[Exposure, ...] = ()
    oidc_without_subject: tuple[Exposure, ...] = ()
    saml_without_audience: tuple[Exposure, ...] = ()
    service_without_source: tuple[Exposure, ...] = ()

    def path_for(self, statement: int, scope: Scope) -> TrustPath | None:
        return next((p for p in self.paths if p.statement == statement and p.scope is scope), None)

    def opens(self, path: TrustPath) -> int | None:
        """When a request on ``path`` can first be made (epoch seconds), if later than the clock: the
        path's time window opens in the future. Its example is its earliest request."""
        if self.zone.clock is None or path.example is None:
            return None
        moment = request_moment(path.example.context)
        return moment if moment is not None and moment > self.zone.clock else None


def analyse_trust(policy: PolicyDocument, zone: Zone, external_id_pattern_minimum: int | None = None
                  ) -> TrustAnalysis:
    """Decide who outside ``zone.account_id`` can assume a role with this trust policy, and how.

    Args:
        policy: the parsed trust policy.
        zone: the role's account (and organisation, when known).
        external_id_pattern_minimum: the letters and digits a ``StringLike`` ExternalId pattern must
            fix to count as an ExternalId requirement (the catalogue's
            ``min_external_id_pattern_literals``; ``None``: only exact values count). See
            :mod:`rolescope.trust.external_ids`.

    Returns:
        The verdicts, the allowing paths with what each requires, and the exposures the engine's
        checks report.
    """
    return _Analyser(policy, zone, external_id_pattern_minimum).run()


class _Analyser:
    def __init__(self, policy: PolicyDocument, zone: Zone, external_id_pattern_minimum: int | None) -> None:
        self.policy = policy
        self.zone = zone
        self.chosen_external_id = chosen_external_id(policy, external_id_pattern_minimum)
        # What an outsider's own value of these keys looks like, where "contains a character nobody
        # wrote" is not enough: an organisation path is the outsider's when its organisation id is.
        self.chosen = {EXTERNAL_ID: self.chosen_external_id, ORG_PATHS: OUTSIDER_ORG_PATHS}
        self.witnesses = caller_witnesses(policy, zone)
        self.index = WitnessIndex(self.witnesses, policy.statements)
        self.allows = [s for s in policy.statements if s.effect is Effect.ALLOW]
        # Requirement name -> the condition keys that carry it, for every key the policy names.
        self.requirement_keys: dict[str, tuple[str, ...]] = {}
        condition_keys = {c.key for s in policy.statements for c in s.conditions}
        # The caller never chooses the time of its request: a time window is not a requirement it
        # meets but when the path is open (TrustAnalysis.opens). Nor whether it is a service: that is
        # what it is (RCPs name the key to leave services out), not something a request carries.
        for key in sorted(condition_keys - set(_MFA_KEYS) - set(TIME_KEYS) - {_IS_SERVICE}):
            name = _NAMED_KEYS.get(key) or _provider_requirement(key) or key
            self.requirement_keys[name] = (*self.requirement_keys.get(name, ()), key)
        self.star_stands_for = [
            *star_providers(policy, zone),
            *sorted({p for s in policy.statements for p in s.principals or () if p.kind in _NAMED_IN_STAR}, key=str),
        ]

    def allowed(self, statement: Statement, witnesses: Iterable[CallerWitness],
                extra: Mapping[str, KeySpec] | None = None) -> tuple[CallerWitness, Request] | None:
        for witness in witnesses:
            request = find_request(self.policy, statement, witness, extra, denies=self.index.denies_for(witness))
            if request is not None:
                return witness, request
        return None

    def run(self) -> TrustAnalysis:
        paths: list[TrustPath] = []
        outside_accounts: set[str] = set()
        public_paths: list[Exposure] = []
        oidc: list[Exposure] = []
        saml: list[Exposure] = []
        service: list[Exposure] = []
        for statement in self.allows:
            by_scope: dict[Scope, list[tuple[CallerWitness, Request]]] = {}
            for witness in self.index.covered(statement):
                request = find_request(self.policy, statement, witness, denies=self.index.denies_for(witness))
                if request is not None:
                    by_scope.setdefault(witness.scope, []).append((witness, request))
            for scope, admitted in by_scope.items():
                path = self._path(statement, scope, admitted)
                paths.append(path)
                if scope is Scope.CROSS_ACCOUNT:
                    outside_accounts.update(
                        w.caller.account or "" for w, _ in admitted if not (w.anonymous or w.unnamed)
                    )
                    if path.public:
                        example = next(r for w, r in admitted if w.anonymous)
                        public_paths.append(Exposure(statement.index, statement.sid, "*", example))
            oidc += self._web_identity_exposures(statement, public_paths)
            saml += self._exposures(statement, "sts:assumerolewithsaml", ({"saml:aud": UNPINNED},),
                                    kinds={PrincipalKind.SAML_PROVIDER})
            service += self._exposures(statement, "sts:assumerole", outsider_sources(), kinds={PrincipalKind.SERVICE})
        cross = [p for p in paths if p.scope is Scope.CROSS_ACCOUNT]
        cross_account = bool(cross)
        required = all(p.guarded for p in cross) if cross_account else None
        return TrustAnalysis(
            zone=self.zone,
            policy=self.policy,
            cross_account=cross_account,
            public=bool(public_paths),
            mfa_or_external_id_required=required,
            paths=tuple(paths),
            outside_accounts=tuple(sorted(a for a in outside_accounts if a)),
            public_paths=tuple(public_paths),
            oidc_without_subject=tuple(oidc),
            saml_without_audience=tuple(saml),
            service_without_source=tuple(service),
        )

    def _path(self, statement: Statement, scope: Scope, admitted: list[tuple[CallerWitness, Request]]
              ) -> TrustPath:
        witnesses = [w for w, _ in admitted]
        principals = tuple(sorted({w.origin for w in witnesses}))
        requires = self._requirements(statement, witnesses)
        guarded = None
        if scope is Scope.CROSS_ACCOUNT:
            loose = [w for w in witnesses if w.mfa is not Mfa.MFA]
            guarded = self.allowed(statement, loose, {EXTERNAL_ID: self.chosen_external_id}) is None
            if guarded and "mfa" not in requires and "external_id" not in requires:
                requires = (*requires, "mfa_or_external_id")
        return TrustPath(
            statement=statement.index,
            sid=statement.sid,
            scope=scope,
            principals=principals,
            requires=requires,
            guarded=guarded,
            public=any(w.anonymous for w in witnesses),
            example=min((r for _, r in admitted), key=lambda r: made_at(r.context)),
        )

    def _requirements(self, statement: Statement, witnesses: list[CallerWitness]) -> tuple[str, ...]:
        found: list[str] = []
        without_mfa = [w for w in witnesses if w.mfa is not None and w.mfa is not Mfa.MFA]
        if any(w.mfa is not None for w in witnesses) and self.allowed(statement, without_mfa) is None:
            found.append("mfa")
        # Only keys the statement or a Deny on these callers reads need a search; for any other key
        # every witness here already has a request, which holds unless the caller's identity
        # insists on a value of the key that it did not choose freely.
        searched = {c.key for c in statement.conditions}
        searched.update(c.key for w in witnesses for d in self.index.denies_for(w) for c in d.conditions)
        for name, keys in self.requirement_keys.items():
            extras = self._outsider_values(keys)
            extra = extras[0]
            if searched.intersection(keys):
                if all(self.allowed(statement, witnesses, e) is None for e in extras):
                    found.append(name)
            elif witnesses and all(any(_identity_pins(w, key, extra[key]) for key in keys) for w in witnesses):
                found.append(name)
        return tuple(found)

    def _outsider_values(self, keys: tuple[str, ...]) -> list[dict[str, KeySpec]]:
        """What an outsider's own values of ``keys`` look like: one mapping, or one per kind of source
        ARN when a source key is among them."""
        plain = {key: self.chosen.get(key, UNPINNED) for key in keys}
        if not set(keys) & set(SOURCE_KEYS):
            return [plain]
        return [{**plain, **{key: spec[key] for key in keys if key in spec}} for spec in outsider_sources()]

    def _admitted(self, statement: Statement) -> list[Principal]:
        """The statement's principals; for a bare ``"*"``, also the providers and services it stands
        for: the public IdPs, the OIDC issuers the conditions name, and every service or identity
        provider the policy names elsewhere (they exist)."""
        listed = sorted(statement.principals or (), key=str)
        if any(p.type is PrincipalType.ANY for p in listed):
            values = {p.value for p in listed}
            for principal in self.star_stands_for:
                if principal.value not in values:
                    values.add(principal.value)
                    listed.append(principal)
        return listed

    def _exposures(self, statement: Statement, action: str, extras: Iterable[Mapping[str, KeySpec]],
                   kinds: set[PrincipalKind]) -> list[Exposure]:
        """The principals of ``kinds`` the statement admits with a request meeting one of ``extras``."""
        exposures = []
        for principal in self._admitted(statement):
            if principal.kind not in kinds:
                continue
            candidates = [w for w in self.index.realising(principal.value) if w.action == action]
            hit = next((h for extra in extras if (h := self.allowed(statement, candidates, extra))), None)
            if hit is not None:
                exposures.append(Exposure(statement.index, statement.sid, principal.value, hit[1]))
        return exposures

    def _web_identity_exposures(self, statement: Statement, public_paths: list[Exposure]) -> list[Exposure]:
        """Providers whose tokens get in with a subject an outsider can obtain (see
        :mod:`rolescope.trust.subjects`): each is an exposure, and a public path when anybody can get a
        token from the issuer."""
        exposures = []
        providers = [(p.value, p.oidc_host) for p in self._admitted(statement) if p.oidc_host]
        for name, host in providers:
            candidates = self.index.realising(name)
            provider = PUBLIC_PROVIDERS.get(host)
            key = f"{host}:{provider.identity_claim if provider is not None else 'sub'}"
            open_request = self._first_open(statement, candidates, key, grammar_for(host))
            if open_request is not None:
                exposures.append(Exposure(statement.index, statement.sid, name, open_request))
                if provider is not None:
                    public_paths.append(Exposure(statement.index, statement.sid, name, open_request))
        return exposures

    def _first_open(self, statement: Statement, candidates: list[CallerWitness], key: str,
                    grammar: SubjectGrammar) -> Request | None:
        """A request of ``candidates`` the statement allows with a subject an outsider obtains, shaped
        like a real subject of the issuer when it can be, its chosen parts spelled out."""
        for alternative in grammar.outsider_subjects():
            hit = self.allowed(statement, candidates, _subject(key, alternative))
            if hit is None:
                continue
            for sample in grammar.sample_constraints():
                shaped = self.allowed(statement, candidates, _subject(key, alternative + sample))
                if shaped is not None:
                    hit = shaped
                    break
            witness, request = hit
            # only this statement and the Denies that cover the caller can decide the spelled-out
            # request: judging it by the whole policy would make the analysis quadratic
            return readable(statement, self.index.denies_for(witness), request, key)
        return None


def _subject(key: str, shapes: Constraints) -> dict[str, KeySpec]:
    return {key: KeySpec(Presence.PRESENT, shapes=shapes)}


def _identity_pins(witness: CallerWitness, key: str, chosen: KeySpec) -> bool:
    """Whether the caller's identity alone rules out a freely chosen value of ``key`` (``chosen``: what
    an outsider's own value looks like; what :func:`find_request` finds for a key no condition it
    weighs reads)."""
    spec = witness.spec(key)
    if spec.presence is not Presence.PRESENT:
        return False  # leaving the key out satisfies it
    merged = spec.merge(chosen)
    return merged is None or solve_key(key, (), merged) is False


def _provider_requirement(key: str) -> str | None:
    if key.startswith(("aws:", "sts:", "saml:")):
        return None
    claim = key.rsplit(":", 1)[1]
    if claim in ("sub", "aud", "amr", "azp", "oaud", "id", "user_id", "app_id"):
        return f"oidc_{claim}"
    return None
