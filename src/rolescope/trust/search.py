"""The decision procedure: is there a request, from a given caller, that a statement allows and no
Deny stops? Exact over the finite witness set (see :mod:`rolescope.trust.witness`)."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rolescope.policy.evaluate import statement_covers
from rolescope.policy.model import Condition, Effect, PolicyDocument, Statement
from rolescope.policy.operators import TEMPLATE_FAMILIES, Family
from rolescope.policy.request import Request
from rolescope.policy.request_time import TIME_KEYS, made_at
from rolescope.policy.values import substitute, variable_names
from rolescope.trust.keyspace import Atom, KeySpec, Presence, Values, solve_key
from rolescope.trust.request_time import solve_time
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
    *,
    denies: Sequence[Statement] | None = None,
) -> Request | None:
    """A request from ``witness`` that ``statement`` allows and no Deny in ``policy`` denies.

    Args:
        policy: the whole trust policy (its Deny statements matter).
        statement: the Allow statement that must allow the request.
        witness: the caller.
        extra: further constraints on condition keys (e.g. "the ExternalId is one the caller made up").
        denies: the policy's Deny statements that cover the witness, when the caller already knows
            them (see :class:`~rolescope.trust.witness_index.WitnessIndex`); otherwise they are found
            by reading every statement.

    Returns:
        Such a request (its context is a concrete witness), or ``None`` when none exists.
    """
    if statement.effect is not Effect.ALLOW or not statement_covers(statement, witness.caller, witness.action):
        return None
    extra = extra or {}
    caller, action = witness.caller, witness.action
    if denies is None:
        denies = [d for d in policy.statements if d.effect is Effect.DENY and statement_covers(d, caller, action)]
    if any(not d.conditions for d in denies):
        return None
    identity: dict[str, tuple[str, ...]] = {}
    # A key asked to be unpinned keeps its variables as wildcards: what the caller's identity
    # decides (its own account id...) is no more a secret than a value it chose.
    probed = {key for key, spec in extra.items() if spec.unpinned}
    allowing = tuple(_resolve(c, witness, identity, probed) for c in statement.conditions)
    deny_conditions = [tuple(_resolve(c, witness, identity, probed) for c in d.conditions) for d in denies]
    choices: itertools.product[tuple[Condition, ...]] = itertools.product(*deny_conditions)
    earliest: Request | None = None  # the earliest request so far, when only later ones were found
    # Each way past the Denies changes the conditions on a few keys only: the others' answers, and
    # every key's constraint, are the same for all of them. Kept for this call, by the conditions'
    # identities (they live as long as the call), so no condition is hashed whole again.
    specs: dict[str, KeySpec | None] = {}
    solved_keys: dict[tuple[str, tuple[tuple[int, bool], ...]], Values | bool] = {}
    for count, escape in enumerate(choices):
        if count >= MAX_DENY_CHOICES:
            return earliest or Request(witness.caller, witness.action, {})  # undecided: report it as allowed
        atoms: dict[str, list[Atom]] = defaultdict(list)
        for condition in allowing:
            atoms[condition.key].append((condition, True))
        for condition in escape:
            atoms[condition.key].append((condition, False))
        timed = [atom for key in TIME_KEYS for atom in atoms.pop(key, ())]
        context: dict[str, tuple[str, ...]] = dict(identity)
        if timed or any(key in extra for key in TIME_KEYS):
            times = solve_time(timed, witness.clock, extra)
            if times is None:
                continue
            context.update(times)
        for key in (set(atoms) | set(extra)) - set(TIME_KEYS):
            if key in specs:
                spec = specs[key]
            else:
                given = witness.spec(key)
                spec = specs[key] = given.merge(extra[key]) if key in extra else given
            if spec is None:
                break
            on_key = atoms.get(key, ())
            known = (key, tuple([(id(condition), truth) for condition, truth in on_key]))
            if known in solved_keys:
                solved = solved_keys[known]
            else:
                solved = solved_keys[known] = solve_key(key, tuple(on_key), spec)
            if solved is False:
                break
            if solved is not None and solved is not True:
                context[key] = solved
        else:
            chosen = [(c, True) for c in allowing] + [(c, False) for c in escape]
            _bind_variables(chosen, context, witness, set(atoms) | set(extra))
            found = Request(witness.caller, witness.action, context)
            if not timed or made_at(context) == (witness.clock or 0):
                return found
            # A window that opens later: another way past the Denies may open earlier.
            if earliest is None or made_at(found.context) < made_at(earliest.context):
                earliest = found
    return earliest


def _resolve(condition: Condition, witness: CallerWitness, identity: dict[str, tuple[str, ...]],
             probed: set[str]) -> Condition:
    """``condition`` with the policy variables the caller's identity decides substituted.

    When every key the variables name is fixed by the witness (``aws:PrincipalAccount``...) or absent
    for it, the condition becomes an ordinary one, solved exactly; the fixed values join
    ``identity`` so the request carries them. Otherwise, or when its key is in ``probed``, it is
    returned as it is (the key space reads its variables as wildcards).
    """
    if not condition.variables or condition.key in probed:
        return condition
    known: dict[str, tuple[str, ...]] = {}
    for value in condition.values:
        for name in variable_names(value):
            spec = witness.spec(name)
            if spec.fixed is not None:
                known[name] = (spec.fixed,)
            elif spec.presence is not Presence.ABSENT:
                return condition
    pattern = condition.family.wildcards
    substituted = (substitute(value, known, pattern=pattern) for value in condition.values)
    identity.update(known)
    return replace(condition, values=tuple(v for v in substituted if v is not None), variables=False)


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _bind_variables(atoms: list[Atom], context: dict[str, tuple[str, ...]], witness: CallerWitness,
                    constrained: set[str]) -> None:
    """Give the keys that variables name in conditions the request must match (an Allow's positive
    conditions, a Deny's negated ones it escapes), when nothing else constrains them, the values that
    make the request's own value match the condition as IAM substitutes it.

    The key space reads each unresolved variable as a wildcard; this reads back what the wildcard
    stood for (``"ci-${aws:username}"`` against ``ci-alice`` binds ``aws:username`` to ``alice``), so
    the example request is one IAM allows.
    """
    for condition, truth in atoms:
        must_match = truth != condition.negated
        if not condition.variables or not must_match or condition.family not in TEMPLATE_FAMILIES:
            continue
        for request_value in context.get(condition.key, ())[:1]:
            for value in condition.values:
                bound = _match_template(value, request_value, condition.family, context, witness, constrained)
                if bound is not None:
                    context.update(bound)
                    break




def _match_template(template: str, request_value: str, family: Family, context: Mapping[str, tuple[str, ...]],
                    witness: CallerWitness, constrained: set[str]) -> dict[str, tuple[str, ...]] | None:
    """Values for the free variables of ``template`` that make it match ``request_value``, if any."""
    parts: list[str] = []
    groups: dict[str, str] = {}
    position = 0
    for match in _VARIABLE.finditer(template):
        parts.append(_literal_regex(template[position:match.start()], family))
        position = match.end()
        body = match.group(1)
        if body in ("*", "?", "$"):
            parts.append(re.escape(body))
            continue
        name = body.split(",", 1)[0].strip().lower()
        if name in context:
            parts.append(re.escape(context[name][0]))
        elif name in constrained or witness.spec(name) != KeySpec():
            return None
        elif name in groups:
            parts.append(f"(?P={groups[name]})")
        else:
            groups[name] = f"v{len(groups)}"
            parts.append(f"(?P<{groups[name]}>.*?)")
    parts.append(_literal_regex(template[position:], family))
    flags = re.DOTALL | (re.IGNORECASE if family is Family.STRING_CI else 0)
    found = re.fullmatch("".join(parts), request_value, flags)
    if found is None:
        return None
    return {name: (found.group(group),) for name, group in groups.items()}


def _literal_regex(text: str, family: Family) -> str:
    if not family.wildcards:
        return re.escape(text)
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
