"""The general renaming of an analysis into its twin's, kept as the oracle the compiled one is held to.

:class:`rolescope.trust.renaming.Plan` finds once per template where an analysis holds its names and
fills them per twin. :class:`Renaming` is the direct statement of the same job: it looks for every
source name in every string of the analysis, twin by twin. The scan no longer runs it;
``tests/trust/test_canonical.py`` holds the plan equal to it, examples included.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from rolescope.policy.model import PolicyDocument
from rolescope.policy.request import Caller, Request
from rolescope.trust.abstraction import ORG_PATHS, rename_runs, with_issuer
from rolescope.trust.analysis import Exposure, TrustAnalysis, TrustPath
from rolescope.trust.canonical import Template
from rolescope.trust.renaming import _PROVIDER, _check_fields
from rolescope.trust.witness import Zone

Pairs = tuple[tuple[str | None, ...], tuple[str | None, ...]]  # a source's names and its twin's, in the same order


def _changes(pairs: Pairs) -> dict[str, str]:
    source, target = pairs
    if source == target:  # most pairs of a renamed document: nothing of that kind, or the same names
        return {}
    if len(source) == 1 and len(target) == 1:  # the next most: one name, which differs
        a, b = source[0], target[0]
        return {} if a is None or b is None else {a: b}
    return {a: b for a, b in zip(source, target, strict=True) if a != b and a is not None and b is not None}




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


def instantiate(analysis: TrustAnalysis, source: Template, target: Template, policy: PolicyDocument,
                zone: Zone) -> TrustAnalysis:
    """``analysis`` (of ``source``'s policy) renamed to ``target``'s policy and zone.

    Args:
        analysis: the analysis computed for the policy ``source`` was taken from.
        source: that policy's template.
        target: the template of ``policy`` in ``zone``; its key equals ``source``'s.
        policy: the policy the result is about.
        zone: its zone.
    """
    found, named = source.document, target.document
    old, new = found.abstraction, named.abstraction
    renaming = Renaming(
        accounts=(source.accounts or (), target.accounts or ()),
        names=(old.names, new.names),
        sessions=(old.sessions, new.sessions),
        hosts=(old.hosts, new.hosts),
        written=(old.written, new.written),
        org_path=(old.org_path, new.org_path),
        values=(found.values, named.values),
        value_keys=old.value_keys,
        sids=(found.sids, named.sids),
    )
    return renaming.analysis(analysis, policy, zone)
