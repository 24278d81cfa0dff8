"""The decision procedure: is there a request, from a given caller, that a statement allows and no
Deny stops? Exact over the finite witness set (see :mod:`rolescope.trust.witness`)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping

from rolescope.policy.evaluate import statement_covers
from rolescope.policy.model import Condition, Effect, PolicyDocument, Statement
from rolescope.policy.request import Request
from rolescope.trust.keyspace import Atom, KeySpec, solve_key
from rolescope.trust.witness import CallerWitness

# The most ways of escaping Deny statements tried for one caller (each Deny: one of its conditions
# made false). Real trust policies stay far below it; past it the search answers "allowed", the
# conservative side for an auditor.
MAX_DENY_CHOICES = 4096


def find_request(
    policy: PolicyDocument,
    statement: Statement,
    witness: CallerWitness,
    extra: Mapping[str, KeySpec] | None = None,
) -> Request | None:
    """A request from ``witness`` that ``statement`` allows and no Deny in ``policy`` denies.

    Args:
        policy: the whole trust policy (its Deny statements matter).
        statement: the Allow statement that must allow the request.
        witness: the caller.
        extra: further constraints on condition keys (e.g. "the ExternalId is one the caller made up").

    Returns:
        Such a request (its context is a concrete witness), or ``None`` when none exists.
    """
    if statement.effect is not Effect.ALLOW or not statement_covers(statement, witness.caller, witness.action):
        return None
    extra = extra or {}
    caller, action = witness.caller, witness.action
    denies = [d for d in policy.statements if d.effect is Effect.DENY and statement_covers(d, caller, action)]
    if any(not d.conditions for d in denies):
        return None
    choices: itertools.product[tuple[Condition, ...]] = itertools.product(*(d.conditions for d in denies))
    for count, escape in enumerate(choices):
        if count >= MAX_DENY_CHOICES:
            return Request(witness.caller, witness.action, {})  # undecided: report it as allowed
        atoms: dict[str, list[Atom]] = defaultdict(list)
        for condition in statement.conditions:
            atoms[condition.key].append((condition, True))
        for condition in escape:
            atoms[condition.key].append((condition, False))
        context: dict[str, tuple[str, ...]] = {}
        for key in set(atoms) | set(extra):
            spec = witness.spec(key)
            if key in extra:
                merged = spec.merge(extra[key])
                if merged is None:
                    break
                spec = merged
            solved = solve_key(key, tuple(atoms.get(key, ())), spec)
            if solved is False:
                break
            if solved is not None and solved is not True:
                context[key] = solved
        else:
            return Request(witness.caller, witness.action, context)
    return None
