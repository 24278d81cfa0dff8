"""Renaming an analysis computed for one policy into the analysis of its twin (same template).

The template (:mod:`rolescope.trust.canonical`) pairs each abstracted name of the source policy
with the target's. The analysis holds those names in known places only, and each is renamed there:

* account ids, as whole twelve-digit runs, in every string (callers, principals, request values);
* principal ARNs and the session ARNs the search derives from them, where the analysis names a
  principal (callers, trust-path principals, exposures);
* OIDC issuers, in provider ARNs (the same places) and in condition keys (request contexts,
  requirement names);
* equality-only values and the organisation path, in the request values of their keys;
* Sids, taken from the target policy.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from rolescope.policy.model import PolicyDocument
from rolescope.policy.request import Caller, Request
from rolescope.records import quick_init
from rolescope.trust.abstraction import ACCOUNT, ORG_PATHS, rename_runs, runs, with_issuer
from rolescope.trust.analysis import Exposure, TrustAnalysis, TrustPath
from rolescope.trust.witness import Zone

_PROVIDER = ":oidc-provider/"
# The fields this module renames, per type: a new field must be taught here (see _check_fields).
_FIELDS: dict[type, tuple[str, ...]] = {
    TrustAnalysis: ("zone", "policy", "cross_account", "public", "mfa_or_external_id_required", "paths",
                    "outside_accounts", "public_paths", "oidc_without_subject", "saml_without_audience",
                    "service_without_source"),
    TrustPath: ("statement", "sid", "scope", "principals", "requires", "guarded", "public", "example"),
    Exposure: ("statement", "sid", "principal", "example"),
    Request: ("caller", "action", "context"),
    Caller: ("type", "arn", "account", "session_arn", "unique_id"),
}


Pairs = tuple[tuple[str | None, ...], tuple[str | None, ...]]  # a source's names and its twin's, in the same order


def _changes(pairs: Pairs) -> dict[str, str]:
    source, target = pairs
    if source == target:  # most pairs of a renamed document: nothing of that kind, or the same names
        return {}
    if len(source) == 1 and len(target) == 1:  # the next most: one name, which differs
        a, b = source[0], target[0]
        return {} if a is None or b is None else {a: b}
    return {a: b for a, b in zip(source, target, strict=True) if a != b and a is not None and b is not None}


@cache
def _check_fields() -> None:
    for kind, names in _FIELDS.items():
        found = tuple(f.name for f in dataclasses.fields(kind))
        if found != names:
            raise TypeError(f"cannot rename {kind.__name__}: its fields changed to {found}; teach renaming.py")


class Renaming:
    """The pairs of source and target names of two twin policies, and their application to an analysis."""

    def __init__(self, *, accounts: Pairs, names: Pairs, sessions: Pairs, hosts: Pairs, written: Pairs,
                 org_path: tuple[str | None, str | None], values: Pairs, value_keys: frozenset[str],
                 sids: tuple[tuple[str | None, ...], tuple[str | None, ...]]) -> None:
        _check_fields()
        self.accounts = _changes(accounts)
        self.names = _changes(names)
        self.names.update(_changes(sessions))
        self.hosts = _changes(hosts)
        self.written = _changes(written)
        source, target = org_path
        self.org_path = (source, target) if source is not None and target is not None and source != target else None
        self.values = _changes(values)
        self.value_keys = value_keys
        self.sids = None if sids[0] == sids[1] else sids[1]
        # The common case, one account renamed: a split and a join instead of a regular expression.
        self._single = next(iter(self.accounts.items())) if len(self.accounts) == 1 else None

    @property
    def idle(self) -> bool:
        return not (self.accounts or self.names or self.hosts or self.written or self.org_path or self.values
                    or self.sids is not None)

    def analysis(self, analysis: TrustAnalysis, policy: PolicyDocument, zone: Zone) -> TrustAnalysis:
        """``analysis`` with every source name replaced by the target's, about ``policy`` in ``zone``."""
        if self.idle:
            return TrustAnalysis(zone, policy, analysis.cross_account, analysis.public,
                                 analysis.mfa_or_external_id_required, analysis.paths, analysis.outside_accounts,
                                 analysis.public_paths, analysis.oidc_without_subject,
                                 analysis.saml_without_audience, analysis.service_without_source)
        path, exposures, accounts = self.path, self.exposures, self.accounts
        return TrustAnalysis(
            zone,
            policy,
            analysis.cross_account,
            analysis.public,
            analysis.mfa_or_external_id_required,
            tuple([path(p) for p in analysis.paths]),
            tuple([accounts.get(a, a) for a in analysis.outside_accounts]),
            exposures(analysis.public_paths),
            exposures(analysis.oidc_without_subject),
            exposures(analysis.saml_without_audience),
            exposures(analysis.service_without_source),
        )

    def account(self, account: str) -> str:
        return self.accounts.get(account, account)

    def text(self, value: str) -> str:
        """``value`` with its account ids (whole twelve-digit runs) renamed."""
        if self._single is not None:
            source, target = self._single
            at = value.find(source)
            if at < 0:
                return value
            end = at + len(source)
            if value.find(source, end) < 0:  # one occurrence: rename it unless it is part of a longer run
                if (at and value[at - 1].isdecimal()) or (end < len(value) and value[end].isdecimal()):
                    return value
                return f"{value[:at]}{target}{value[end:]}"
            pieces = value.split(source)
            # An empty piece between two occurrences: they touch, and make one longer run.
            if "" not in pieces[1:-1] and not any((left and left[-1].isdecimal()) or (right and right[0].isdecimal())
                                                  for left, right in itertools.pairwise(pieces)):
                return target.join(pieces)
        else:
            for account in self.accounts:  # a loop, not any(): a generator costs more than the few tests
                if account in value:
                    break
            else:
                return value
        # several accounts renamed (a value holds one id, written once, in the common case), or one
        # written in several places
        return rename_runs(value, self.account)

    def principal(self, value: str) -> str:
        """A principal, caller or session ARN (or ``*``, a service, an identity provider)."""
        found = self.names.get(value)
        if found is not None:
            return found
        if self.written and _PROVIDER in value:
            head, host = value.split(_PROVIDER, 1)
            return f"{self.text(head)}{_PROVIDER}{self.written.get(host, host)}"
        return self.text(value)

    def key(self, key: str) -> str:
        """A condition key (or a requirement named after one)."""
        return with_issuer(key, self.hosts)

    def value(self, key: str, value: str) -> str:
        """A request value of ``key`` (the source's key)."""
        if key in self.value_keys:
            found = self.values.get(value)
            if found is not None:
                return found
        if self.org_path is not None and key == ORG_PATHS and value.startswith(self.org_path[0]):
            return self.org_path[1] + value[len(self.org_path[0]):]
        return self.text(value)

    def sid(self, statement: int, sid: str | None) -> str | None:
        return sid if self.sids is None else self.sids[statement]

    # Each of the following returns its argument itself when nothing in it changes.

    def request(self, request: Request | None) -> Request | None:
        if request is None:
            return None
        caller = request.caller
        arn = self.principal(caller.arn)
        account = caller.account
        if account is not None:
            account = self.accounts.get(account, account)
        session = caller.session_arn
        if session is not None:
            session = self.principal(session)
        if arn != caller.arn or account != caller.account or session != caller.session_arn:
            caller = Caller(caller.type, arn, account, session, caller.unique_id)
        context = request.context
        if context:  # an empty context renames to itself
            context = self.context(context)
        if caller is request.caller and context is request.context:
            return request
        return Request(caller, request.action, context)

    def context(self, context: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
        text, value, hosts = self.text, self.value, self.hosts
        special = self.value_keys if self.org_path is None else self.value_keys | {ORG_PATHS}
        renamed = {
            (with_issuer(k, hosts) if hosts else k):
                tuple([value(k, v) for v in values]) if k in special else tuple([text(v) for v in values])
            for k, values in context.items()
        }
        return context if renamed == context else renamed

    def path(self, path: TrustPath) -> TrustPath:
        sid = path.sid if self.sids is None else self.sids[path.statement]
        principal = self.principal
        principals = tuple([principal(p) for p in path.principals])
        requires = tuple([self.key(r) for r in path.requires]) if self.hosts else path.requires
        example = self.request(path.example)
        if sid == path.sid and principals == path.principals and requires == path.requires and example is path.example:
            return path
        return TrustPath(path.statement, sid, path.scope, principals, requires, path.guarded, path.public, example)

    def exposures(self, exposures: tuple[Exposure, ...]) -> tuple[Exposure, ...]:
        if not exposures:
            return exposures
        return tuple(
            Exposure(e.statement, self.sid(e.statement, e.sid), self.principal(e.principal), self.request(e.example))
            for e in exposures
        )


# A text compiled against a source's accounts: the text itself when it holds none of them, else its
# pieces, literal strings around the index of each account (in the source's sorted accounts).
Text = str | tuple[str | int, ...]


@quick_init
@dataclass(frozen=True, slots=True)
class Names:
    """One side of a renaming: the abstracted names of a policy in its zone, in template order."""

    accounts: tuple[str, ...]
    names: tuple[str, ...]
    sessions: tuple[str | None, ...]
    hosts: tuple[str, ...]
    written: tuple[str, ...]
    org_path: str | None
    values: tuple[str, ...]
    sids: tuple[str | None, ...]


class Plan:
    """An analysis compiled against its source's names, to be renamed into many twins.

    :class:`Renaming` looks for every source name in every string of the analysis, once per twin; the
    places do not depend on the twin. A plan finds them once: each string of the analysis that holds
    a name becomes its pieces around the name's index, and a twin's analysis fills the indices with
    its own names. Where :class:`Renaming` branches on whether a pair of names differs (a principal
    named by the source, an issuer, an ExternalId), the plan keeps both answers and takes the same
    branch per twin: :meth:`rename` equals ``Renaming(...).analysis`` (``tests/trust/test_canonical.py``).
    """

    __slots__ = (
        "_accounts",
        "_hosts",
        "_names",
        "_oidc",
        "_outside",
        "_paths",
        "_public",
        "_saml",
        "_service",
        "_source",
        "_values",
        "_written",
        "analysis",
    )

    def __init__(self, analysis: TrustAnalysis, source: Names, value_keys: frozenset[str]) -> None:
        _check_fields()
        self.analysis, self._source = analysis, source
        self._accounts = {a: i for i, a in enumerate(source.accounts)}
        self._names: dict[str, tuple[int, int]] = {}
        for kind, names in enumerate((source.names, source.sessions)):
            for index, name in enumerate(names):
                if name is not None:
                    self._names.setdefault(name, (kind, index))
        self._hosts = {h: i for i, h in enumerate(source.hosts)}
        self._written = {h: i for i, h in enumerate(source.written)}
        self._values = {v: i for i, v in enumerate(source.values)}
        special = value_keys, source.org_path
        self._paths = tuple([self._path(p, special) for p in analysis.paths])
        self._outside = tuple([self._accounts.get(a, a) for a in analysis.outside_accounts])
        self._public = self._exposures(analysis.public_paths, special)
        self._oidc = self._exposures(analysis.oidc_without_subject, special)
        self._saml = self._exposures(analysis.saml_without_audience, special)
        self._service = self._exposures(analysis.service_without_source, special)

    # Compiling: each piece of the analysis as a function of the twin's names.

    def _text(self, value: str) -> Text:
        accounts = self._accounts
        if not accounts or not any([run in accounts for run in runs(value)]):
            return value
        pieces: list[str | int] = []
        last = 0
        for match in ACCOUNT.finditer(value):
            index = accounts.get(match.group(0))
            if index is not None:
                pieces += (value[last:match.start()], index)
                last = match.end()
        pieces.append(value[last:])
        return tuple(pieces)

    def _principal(self, value: str) -> tuple[Any, ...]:
        """(value, its source name's (kind, index) or None, provider pieces or None, text pieces)."""
        provider = None
        if self._source.written and _PROVIDER in value:
            head, host = value.split(_PROVIDER, 1)
            provider = (self._text(head), self._written.get(host, host))
        return value, self._names.get(value), provider, self._text(value)

    def _key(self, key: str) -> str | tuple[int, str]:
        if self._hosts and ":" in key:
            host, claim = key.rsplit(":", 1)
            if host in self._hosts:
                return self._hosts[host], claim
        return key

    def _value(self, key: str, value: str, special: tuple[frozenset[str], str | None]) -> tuple[Any, ...]:
        """(value, its index among the source's values or None, the rest after the organisation path or None,
        text pieces)."""
        value_keys, org_path = special
        index = self._values.get(value) if key in value_keys else None
        rest = value[len(org_path):] if org_path is not None and key == ORG_PATHS and value.startswith(org_path) \
            else None
        return value, index, rest, self._text(value)

    def _request(self, request: Request | None, special: tuple[frozenset[str], str | None]) -> tuple[Any, ...] | None:
        if request is None:
            return None
        caller = request.caller
        account = caller.account
        return (request, self._principal(caller.arn), None if account is None else self._accounts.get(account, account),
                None if caller.session_arn is None else self._principal(caller.session_arn),
                tuple([(self._key(k), tuple([self._value(k, v, special) for v in values]))
                       for k, values in request.context.items()]))

    def _path(self, path: TrustPath, special: tuple[frozenset[str], str | None]) -> tuple[Any, ...]:
        return (path, tuple([self._principal(p) for p in path.principals]),
                tuple([self._key(r) for r in path.requires]), self._request(path.example, special))

    def _exposures(self, exposures: tuple[Exposure, ...], special: tuple[frozenset[str], str | None]
                   ) -> tuple[tuple[Exposure, tuple[Any, ...], tuple[Any, ...] | None], ...]:
        return tuple([(e, self._principal(e.principal), self._request(e.example, special)) for e in exposures])

    # Filling: the twin's analysis.

    def rename(self, target: Names, policy: PolicyDocument, zone: Zone) -> TrustAnalysis:
        """The analysis of ``policy`` in ``zone``, whose names (in template order) are ``target``."""
        return _Fill(self._source, target).analysis(self, policy, zone)


def _fill(text: Text, accounts: tuple[str, ...]) -> str:
    if type(text) is str:
        return text
    if len(text) == 3:
        return f"{text[0]}{accounts[text[1]]}{text[2]}"  # type: ignore[index]
    return "".join([piece if type(piece) is str else accounts[piece] for piece in text])  # type: ignore[index]


class _Fill:
    """One twin's names, and the branches :class:`Renaming` takes for it."""

    __slots__ = ("accounts", "hosts", "named", "org_path", "sids", "source", "target", "values", "written")

    def __init__(self, source: Names, target: Names) -> None:
        self.source, self.target = source, target
        self.accounts = target.accounts
        self.named = (target.names, target.sessions)
        self.hosts = target.hosts
        # Renaming's branches: whether any issuer's spelling changes, whether the organisation path does
        self.written = target.written if source.written != target.written else None
        org = source.org_path, target.org_path
        self.org_path = org[1] if org[0] is not None and org[1] is not None and org[0] != org[1] else None
        self.values = target.values
        self.sids = None if source.sids == target.sids else target.sids

    def principal(self, compiled: tuple[Any, ...]) -> str:
        value, named, provider, text = compiled
        if named is not None:
            found: str | None = self.named[named[0]][named[1]]
            if found is not None and found != value:
                return found
        if provider is not None and self.written is not None:
            head, host = provider
            return f"{_fill(head, self.accounts)}{_PROVIDER}{host if type(host) is str else self.written[host]}"
        return _fill(text, self.accounts)

    def key(self, compiled: str | tuple[int, str]) -> str:
        return compiled if type(compiled) is str else f"{self.hosts[compiled[0]]}:{compiled[1]}"  # type: ignore[index]

    def value(self, compiled: tuple[Any, ...]) -> str:
        value, index, rest, text = compiled
        if index is not None:
            found = self.values[index]
            if found != value:
                return found  # type: ignore[no-any-return]
        if rest is not None and self.org_path is not None:
            return f"{self.org_path}{rest}"
        return _fill(text, self.accounts)

    def request(self, compiled: tuple[Any, ...] | None) -> Request | None:
        if compiled is None:
            return None
        request, arn, account, session, context = compiled
        caller = request.caller
        caller = Caller(caller.type, self.principal(arn),
                        account if account is None or type(account) is str else self.accounts[account],
                        None if session is None else self.principal(session), caller.unique_id)
        key, value = self.key, self.value
        return Request(caller, request.action, {key(k): tuple([value(v) for v in values]) for k, values in context})

    def path(self, compiled: tuple[Any, ...]) -> TrustPath:
        path, principals, requires, example = compiled
        principal, key = self.principal, self.key
        sid = path.sid if self.sids is None else self.sids[path.statement]
        return TrustPath(path.statement, sid, path.scope, tuple([principal(p) for p in principals]),
                         tuple([key(r) for r in requires]), path.guarded, path.public, self.request(example))

    def exposures(self, compiled: tuple[tuple[Exposure, tuple[Any, ...], tuple[Any, ...] | None], ...]
                  ) -> tuple[Exposure, ...]:
        sids = self.sids
        return tuple([
            Exposure(e.statement, e.sid if sids is None else sids[e.statement], self.principal(p), self.request(r))
            for e, p, r in compiled
        ])

    def analysis(self, plan: Plan, policy: PolicyDocument, zone: Zone) -> TrustAnalysis:
        source = plan.analysis
        accounts, exposures = self.accounts, self.exposures
        return TrustAnalysis(
            zone, policy, source.cross_account, source.public, source.mfa_or_external_id_required,
            tuple([self.path(p) for p in plan._paths]),
            tuple([a if type(a) is str else accounts[a] for a in plan._outside]),  # type: ignore[index]
            exposures(plan._public) if plan._public else (),
            exposures(plan._oidc) if plan._oidc else (),
            exposures(plan._saml) if plan._saml else (),
            exposures(plan._service) if plan._service else (),
        )
