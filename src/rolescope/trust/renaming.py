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
from dataclasses import dataclass
from functools import cache
from typing import Any

from rolescope.policy.model import PolicyDocument
from rolescope.policy.request import Caller, Request
from rolescope.records import quick_init
from rolescope.trust.abstraction import ACCOUNT, ORG_PATHS, runs
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


@cache
def _check_fields() -> None:
    for kind, names in _FIELDS.items():
        found = tuple(f.name for f in dataclasses.fields(kind))
        if found != names:
            raise TypeError(f"cannot rename {kind.__name__}: its fields changed to {found}; teach renaming.py")


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

    Looking for every source name in every string of the analysis, once per twin, would find the same
    places for every twin. A plan finds them once: each string of the analysis that holds a name
    becomes its pieces around the name's index, and a twin's analysis fills the indices with its own
    names. Where a renaming branches on whether a pair of names differs (a principal named by the
    source, an issuer, an ExternalId), the plan keeps both answers and takes the branch per twin.
    ``tests/trust/test_canonical.py`` holds :meth:`rename` equal to the general renaming, which looks
    for every name twin by twin (``tests/trust/renaming_oracle.py``), examples included.
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
    """One twin's names, and the branches a renaming takes for it."""

    __slots__ = ("accounts", "hosts", "named", "org_path", "sids", "values", "written")

    def __init__(self, source: Names, target: Names) -> None:
        self.accounts = target.accounts
        self.named = (target.names, target.sessions)
        self.hosts = target.hosts
        # The branches: whether any issuer's spelling changes, whether the organisation path does
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
