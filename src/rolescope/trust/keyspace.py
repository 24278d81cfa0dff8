"""What a single condition key may hold in a request: the constraints the search puts on it.

The trust reasoning treats each condition key as an independent variable, except the keys that a
caller's identity fixes (``aws:PrincipalAccount``...), which the caller witness constrains through
a :class:`KeySpec`. Deciding whether one key can satisfy a set of condition atoms is exact:
wildcard patterns go through an automaton search (:func:`rolescope.policy.glob.find_string`),
numbers, dates and addresses through boundary values drawn from the policy's own literals.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from rolescope.caches import memoized
from rolescope.policy.conditions import condition_holds
from rolescope.policy.glob import (
    FRESH,
    LITERAL_QUESTION,
    LITERAL_STAR,
    Pattern,
    compile_pattern,
    find_string,
    pattern_matches,
)
from rolescope.policy.model import Condition
from rolescope.policy.operators import Family
from rolescope.policy.qualifier import Qualifier
from rolescope.policy.values import as_address, as_epoch, as_network, as_number

ANY_FRESH = compile_pattern(f"*{FRESH}*")


class Presence(Enum):
    EITHER = "either"
    PRESENT = "present"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """Constraints on one key beyond the policy's own conditions.

    Attributes:
        presence: whether the request must, may, or must not carry the key.
        shapes: wildcard patterns a present value must match (``True``) or avoid (``False``).
        fixed: the exact value, when the caller's identity fixes it.
        unpinned: a present value must be one an outsider chose freely (contains :data:`FRESH`,
            or for addresses lies outside every network the policy names).
    """

    presence: Presence = Presence.EITHER
    shapes: tuple[tuple[Pattern, bool], ...] = ()
    fixed: str | None = None
    unpinned: bool = False

    def merge(self, other: KeySpec) -> KeySpec | None:
        """Both specs at once, or ``None`` when they contradict each other."""
        presences = {self.presence, other.presence} - {Presence.EITHER}
        if len(presences) > 1:
            return None
        if self.fixed is not None and other.fixed is not None and self.fixed != other.fixed:
            return None
        return KeySpec(
            presence=presences.pop() if presences else Presence.EITHER,
            shapes=self.shapes + other.shapes,
            fixed=self.fixed if self.fixed is not None else other.fixed,
            unpinned=self.unpinned or other.unpinned,
        )


Atom = tuple[Condition, bool]  # a condition and the truth the search needs from it
Values = tuple[str, ...] | None  # None: the key is absent from the request


def _pattern_for(condition: Condition, value: str, must_match: bool) -> Pattern | None:
    """The automaton pattern for one policy value; ``None`` to drop a value that cannot match."""
    wildcards = condition.family.wildcards
    if condition.variables and "${" in value:
        if not must_match:
            return None  # the variable resolves to whatever does not match: assume that
        value = _variables_as_wildcards(value, wildcards)
        return compile_pattern(value, wildcards=True, ignore_case=condition.family is Family.STRING_CI)
    return compile_pattern(
        value, wildcards=wildcards, ignore_case=condition.family is Family.STRING_CI, arn=condition.family is Family.ARN
    )


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _variables_as_wildcards(value: str, wildcards: bool) -> str:
    """``value`` as a wildcard pattern: each policy variable may become anything (``*``); the rest
    keeps its meaning (wildcards for ``StringLike``/``ArnLike``, plain characters otherwise)."""

    def literal(text: str) -> str:
        return text.replace("*", LITERAL_STAR).replace("?", LITERAL_QUESTION)

    out, position = [], 0
    for match in _VARIABLE.finditer(value):
        head = value[position:match.start()]
        out.append(head if wildcards else literal(head))
        body = match.group(1)
        out.append(literal(body) if body in ("*", "?", "$") else "*")
        position = match.end()
    tail = value[position:]
    out.append(tail if wildcards else literal(tail))
    return "".join(out)


def _string_candidates(atoms: Sequence[Atom], spec: KeySpec, limit: int = 256) -> list[str]:
    """Values that satisfy every string atom and shape, one per choice of the OR-ed policy values."""
    # A present key with one value meets a ForAnyValue/ForAllValues condition exactly when it meets the
    # unqualified one, so qualified conditions constrain single candidates the same way.
    required: list[list[Pattern | None]] = []
    forbidden: list[tuple[Pattern, bool]] = []
    qualified = False
    for condition, truth in atoms:
        if not condition.family.compares_text:
            continue
        qualified = qualified or condition.qualifier is not Qualifier.NONE
        must_match = truth != condition.negated
        patterns = [_pattern_for(condition, v, must_match) for v in condition.values]
        if must_match:
            required.append(patterns)
        else:
            forbidden.extend((p, False) for p in patterns if p is not None)
    shapes = list(spec.shapes) + forbidden
    if spec.unpinned:
        shapes.append((ANY_FRESH, True))
    choices: list[tuple[Pattern | None, ...]] = list(itertools.islice(itertools.product(*required), limit))
    if qualified:  # several values may each meet one condition: offer candidates for each on its own
        choices += [(p,) for group in required for p in group]
    found: list[str] = []
    for choice in choices:
        if any(p is None for p in choice):
            continue
        value = find_string([(p, True) for p in choice if p is not None] + shapes)
        if value is not None:
            found.append(value)
    return found


def _typed_candidates(atoms: Sequence[Atom]) -> list[str]:
    """Boundary values for numeric, date, boolean and address conditions."""
    numbers: set[float] = set()
    dates: set[float] = set()
    networks = []
    candidates: list[str] = []
    for condition, _ in atoms:
        family = condition.family
        for value in condition.values:
            if family.numeric and (n := as_number(value)) is not None:
                numbers.add(n)
            elif family.date and (d := as_epoch(value)) is not None:
                dates.add(d)
            elif family is Family.IP and (net := as_network(value)) is not None:
                networks.append(net)
            elif family is Family.BOOL:
                candidates += ["true", "false"]
    for points, render in ((numbers, _render_number), (dates, _render_date)):
        if points:
            ordered = sorted(points)
            between = [(a + b) / 2 for a, b in itertools.pairwise(ordered)]
            below, above = _step_away(ordered[0], -1), _step_away(ordered[-1], 1)
            for point in [below, *ordered, *between, above]:
                candidates.append(render(point))
    for network in networks:
        first, last = int(network.network_address), int(network.broadcast_address)
        top = 2**32 - 1 if network.version == 4 else 2**128 - 1
        for point in (first - 1, first, last, last + 1):
            if 0 <= point <= top:
                candidates.append(str(ipaddress.ip_address(point)))
    if networks:
        candidates += ["203.0.113.77", "2001:db8::77"]
    return candidates


def _step_away(value: float, direction: int) -> float:
    """A number beyond ``value`` in ``direction``: one unit, or the next float where units vanish."""
    moved = value + direction
    return moved if moved != value else math.nextafter(value, direction * math.inf)


def _render_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _render_date(value: float) -> str:
    try:
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return _render_number(value)  # beyond what a datetime holds: epoch seconds read the same


def _outside_networks(value: str, atoms: Sequence[Atom]) -> bool:
    address = as_address(value)
    if address is None:
        return True
    for condition, _ in atoms:
        if condition.family is Family.IP:
            for text in condition.values:
                network = as_network(text)
                if network is not None and network.version == address.version and address in network:
                    return False
    return True


def _satisfies(key: str, values: Values, atoms: Sequence[Atom], spec: KeySpec) -> bool:
    context = {} if values is None else {key: values}
    for condition, truth in atoms:
        if condition.variables and values is not None:
            if not _may_hold(condition, truth, values):
                return False
            continue
        if condition_holds(condition, context) != truth:
            return False
    if values is None:
        return spec.presence is not Presence.PRESENT
    if spec.presence is Presence.ABSENT:
        return False
    for value in values:
        if spec.fixed is not None and value != spec.fixed:
            return False
        if any(pattern_matches(shape, value) != must for shape, must in spec.shapes):
            return False
        if spec.unpinned and FRESH not in value and not (_is_address(value) and _outside_networks(value, atoms)):
            return False
    return True


def _may_hold(condition: Condition, truth: bool, values: tuple[str, ...]) -> bool:
    """Whether a condition with policy variables can take ``truth`` for these request values, reading
    each variable as a wildcard (it may resolve to anything): a must-match needs the values to fit
    the pattern; a must-not-match is assumed possible (the variable resolves to something else)."""
    must_match = truth != condition.negated
    if not must_match or not condition.family.compares_text:
        return True
    patterns = [p for p in (_pattern_for(condition, v, True) for v in condition.values) if p is not None]
    fits = [any(pattern_matches(p, value) for p in patterns) for value in values]
    return all(fits) if condition.qualifier is Qualifier.FOR_ALL_VALUES else any(fits)


def _is_address(value: str) -> bool:
    return as_address(value) is not None


def solve_key(key: str, atoms: tuple[Atom, ...], spec: KeySpec) -> Values | bool:
    """A value assignment for ``key`` meeting ``atoms`` and ``spec``.

    Args:
        key: the lower-cased condition key.
        atoms: the conditions on this key and the truth each must take.
        spec: presence, identity-fixed value and shape constraints.

    Returns:
        ``None`` for "absent", a tuple of values for "present with these", or ``False`` when no
        request can meet the constraints.
    """
    return _solve_key_cached(key, atoms, spec)


@memoized(131072)
def _solve_key_cached(key: str, atoms: tuple[Atom, ...], spec: KeySpec) -> Values | bool:
    if spec.presence is not Presence.PRESENT and _satisfies(key, None, atoms, spec):
        return None
    if spec.presence is Presence.ABSENT:
        return False
    singles: list[str] = []
    if spec.fixed is not None:
        singles.append(spec.fixed)
    else:
        singles += _string_candidates(atoms, spec)
        singles += _typed_candidates(atoms)
        singles.append(FRESH)
        for condition, _ in atoms:
            singles.extend(v for v in condition.values if "${" not in v)
    seen: set[str] = set()
    ordered = [v for v in singles if not (v in seen or seen.add(v))]  # type: ignore[func-returns-value]
    for value in ordered:
        if _satisfies(key, (value,), atoms, spec):
            return (value,)
    if any(condition.qualifier is not Qualifier.NONE for condition, _ in atoms):
        for pair in itertools.combinations(ordered[:12], 2):
            if _satisfies(key, pair, atoms, spec):
                return pair
    return False
