"""Proving a corrected trust policy admits no one the original did not, and closes what it should.

Two independent arguments, both required before rolescope proposes or applies a policy:

* :func:`widening_reasons` — a syntactic containment proof. Every Allow statement of the new policy
  must descend from an Allow statement of the old one: the same actions, a subset of its principals,
  and every one of its conditions kept (or replaced by a ``StringEquals`` on a single-valued key whose
  values the old condition accepts). Every Deny statement must be kept. Under IAM's evaluation
  (a request is allowed when some Allow statement matches and no Deny does) that makes the new
  policy's allowed requests a subset of the old one's. One exception, by design: a positive
  ``sts:ExternalId`` condition may be replaced by ``StringEquals`` on another value. The ExternalId is a
  value the caller sends, not who the caller is, so the principals that can assume the role stay
  the same; only the value they must know changes (what fixing a guessable ExternalId means).
* :func:`analysis_regressions` — the trust engine's verdicts compared: no new outside account, no
  new kind of caller, not newly public, a guarded role stays guarded, no new exposure.

:func:`open_checks` re-runs the engine's checks so the planner can tell which findings a fix closed.
"""

from __future__ import annotations

from collections.abc import Iterable

from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.finding import Finding
from rolescope.checks.registry import CHECKS, RegisteredCheck, run_checks
from rolescope.policy.conditions import condition_holds
from rolescope.policy.model import Condition, Effect, PolicyDocument, Statement
from rolescope.policy.qualifier import Qualifier
from rolescope.trust.analysis import TrustAnalysis

# Condition keys a request carries at most one value of: a StringEquals on them pins the value.
SINGLE_VALUED_KEYS = frozenset({
    "sts:externalid", "aws:sourceaccount", "aws:principalorgid", "aws:multifactorauthpresent",
    "aws:principalaccount", "saml:aud",
})
EXTERNAL_ID_OPERATORS = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})
ENGINE_CHECKS: tuple[RegisteredCheck, ...] = tuple(c for c in CHECKS if not c.needs_account)

ConditionShape = tuple[str, Qualifier, bool, str, frozenset[str]]


def _shape(condition: Condition) -> ConditionShape:
    return (condition.operator, condition.qualifier, condition.if_exists, condition.key, frozenset(condition.values))


def _statement_shape(statement: Statement) -> tuple[object, ...]:
    return (statement.effect, statement.principals, statement.not_principals, statement.actions,
            statement.not_actions, frozenset(_shape(c) for c in statement.conditions))


def _pins(condition: Condition, key: str) -> bool:
    return (condition.key == key and condition.operator == "StringEquals" and condition.qualifier is Qualifier.NONE
            and not condition.if_exists and not condition.variables)


def _implied(old: Condition, new_conditions: Iterable[Condition]) -> bool:
    """Whether ``new_conditions`` (all of which hold) make ``old`` hold for every request, or ``old`` is a
    positive ExternalId condition that a pinned ExternalId replaces (see the module docstring)."""
    if _shape(old) in {_shape(c) for c in new_conditions}:
        return True
    for new in new_conditions:
        if not _pins(new, old.key):
            continue
        if new.key in SINGLE_VALUED_KEYS and all(condition_holds(old, {old.key: (v,)}) for v in new.values):
            return True
        if old.key == "sts:externalid" and old.operator in EXTERNAL_ID_OPERATORS and not old.negated \
                and old.qualifier is Qualifier.NONE and not old.if_exists:
            return True
    return False


def _descends(new: Statement, old: Statement) -> bool:
    if old.effect is not Effect.ALLOW or new.principals is None or old.principals is None:
        return False
    if not new.principals <= old.principals:
        return False
    if new.actions is not None and old.actions is not None:
        if not set(new.actions) <= set(old.actions):
            return False
    elif (new.not_actions, new.actions) != (old.not_actions, old.actions):
        return False
    return all(_implied(condition, new.conditions) for condition in old.conditions)


def widening_reasons(before: PolicyDocument, after: PolicyDocument) -> list[str]:
    """Why ``after`` might allow a request ``before`` denies; empty when it provably cannot.

    Args:
        before: the policy as it is.
        after: the proposed policy.

    Returns:
        One sentence per statement that could widen access (empty: ``after`` is contained in ``before``).
    """
    reasons: list[str] = []
    if after.version != before.version:
        reasons.append(f"the Version changes from {before.version!r} to {after.version!r}")
    kept_denies = {_statement_shape(s) for s in after.statements if s.effect is Effect.DENY}
    for old in before.statements:
        if old.effect is Effect.DENY and _statement_shape(old) not in kept_denies:
            reasons.append(f"the Deny statement {old.label} is not kept unchanged")
    for new in after.statements:
        if new.effect is Effect.ALLOW and not any(_descends(new, old) for old in before.statements):
            reasons.append(f"{new.label} allows something no statement of the original allows")
    return reasons


def _admitted(analysis: TrustAnalysis) -> set[tuple[str, str]]:
    return {(path.scope.value, principal) for path in analysis.paths for principal in path.principals}


def analysis_regressions(before: TrustAnalysis, after: TrustAnalysis) -> list[str]:
    """Where the engine judges ``after`` more open than ``before``; empty when it is not.

    Args:
        before: the analysis of the policy as it is.
        after: the analysis of the proposed policy, in the same zone.

    Returns:
        One sentence per regression.
    """
    reasons: list[str] = []
    new_accounts = sorted(set(after.outside_accounts) - set(before.outside_accounts))
    if new_accounts:
        reasons.append(f"it admits new outside accounts: {', '.join(new_accounts)}")
    if after.public and not before.public:
        reasons.append("it makes the role public")
    new_callers = sorted(_admitted(after) - _admitted(before))
    if new_callers:
        reasons.append("it admits new callers: " + ", ".join(f"{p} ({scope})" for scope, p in new_callers))
    if before.mfa_or_external_id_required and after.cross_account and not after.mfa_or_external_id_required:
        reasons.append("a path from outside no longer requires MFA or an ExternalId")
    for name in ("oidc_without_subject", "saml_without_audience", "service_without_source", "public_paths"):
        old = {e.principal for e in getattr(before, name)}
        new = sorted({e.principal for e in getattr(after, name)} - old)
        if new:
            reasons.append(f"new {name.replace('_', ' ')} exposure: {', '.join(new)}")
    return reasons


def open_checks(analysis: TrustAnalysis, settings: CheckSettings, resource: str = "policy"
                ) -> dict[str, list[Finding]]:
    """The engine checks' findings for one analysis, by check id.

    Raises:
        RuntimeError: a check raised (the planner must not guess whether a finding is closed).
    """
    context = RoleContext(analysis.zone.account_id, resource, analysis, settings)
    findings, errors = run_checks(context, ENGINE_CHECKS)
    if errors:
        raise RuntimeError(f"check {errors[0].check} failed: {errors[0].error}")
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.check, []).append(finding)
    return found
