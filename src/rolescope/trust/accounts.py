"""Which accounts the trust search must try: one per class of accounts the policy cannot tell apart.

The identity of a caller's account reaches the conditions through ``aws:PrincipalAccount`` and the
account part of ``aws:PrincipalArn``. A policy names some accounts literally (those get callers of
their own) and may match others by pattern (``"2222*"``, ``arn:aws:iam::*:role/x``) or by number
(``NumericLessThan``). Each such condition value reads the twelve digits as a small automaton; two
accounts that leave every automaton in the same state are indistinguishable to the policy, so one
representative per class stands for all of them. The classes come from a breadth-first walk over
the digits, tracking the automaton states and whether the prefix is still that of an account to
avoid (a named one, or a known member of the role's organisation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Container, Hashable, Iterable
from dataclasses import dataclass
from typing import cast

from rolescope.policy.glob import Pattern, advance, compile_pattern
from rolescope.policy.model import PolicyDocument
from rolescope.policy.operators import Family
from rolescope.policy.values import as_number

ACCOUNT_KEYS = {"aws:principalaccount": "account", "aws:principalarn": "arn"}
_DIGITS = "9876543210"  # descending: with no pattern in play the first representatives are 999999999999...
_MAX_STATES = 512  # per digit position; real policies stay far below, past it some classes are not tried


@dataclass(frozen=True, slots=True)
class GlobReader:
    """A string or wildcard condition value, read over the account (inside an ARN for PrincipalArn)."""

    pattern: Pattern
    before: str = ""
    after: str = ""

    def start(self) -> Hashable:
        return advance(self.pattern, self.before)

    def step(self, state: Hashable, digit: str) -> Hashable:
        return advance(self.pattern, digit, state)  # type: ignore[arg-type]

    def finish(self, state: Hashable) -> Hashable:
        return advance(self.pattern, self.after, state)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class NumberReader:
    """A numeric condition value: how the account, as a number, compares with its integer part."""

    digits: str  # the threshold's integer part, as twelve digits

    def start(self) -> Hashable:
        return ("=", 0)

    def step(self, state: Hashable, digit: str) -> Hashable:
        order, position = cast(tuple[str, int], state)
        if order == "=" and digit != self.digits[position]:
            order = "<" if digit < self.digits[position] else ">"
        return (order, position + 1)

    def finish(self, state: Hashable) -> Hashable:
        return state


Reader = GlobReader | NumberReader
# An ARN whose partition, service and account are spelled out: it reads one account (or none).
_SPELLED_ACCOUNT = re.compile(r"arn:[^:*?]*:iam::\d{12}:")
Signature = tuple[Hashable, ...]


def account_patterns(policy: PolicyDocument, partition: str) -> list[Reader]:
    """The condition values that read a caller's account, each as an automaton over its digits."""
    found: list[Reader] = []
    for statement in policy.statements:
        for condition in statement.conditions:
            shape = ACCOUNT_KEYS.get(condition.key)
            if shape is None:
                continue
            for value in condition.values:
                if "${" in value:
                    continue
                reader: Reader | None = None
                wildcards = condition.family.wildcards and ("*" in value or "?" in value)
                if wildcards and shape == "arn" and _SPELLED_ACCOUNT.match(value):
                    wildcards = False  # wildcards only after an account spelled out: as for a literal
                if wildcards:
                    # A value without wildcards matches only the account it spells, which is named
                    # (and so never a representative): it tells no two unnamed accounts apart.
                    pattern = compile_pattern(value, arn=condition.family is Family.ARN)
                    reader = GlobReader(pattern) if shape == "account" else GlobReader(
                        pattern, f"arn:{partition}:iam::", ":")
                elif condition.family.numeric and shape == "account":
                    reader = _number_reader(value)
                if reader is not None and reader not in found:
                    found.append(reader)
    return found


def _number_reader(value: str) -> NumberReader | None:
    number = as_number(value)
    if number is None or not math.isfinite(number):
        return None
    whole = math.floor(number)
    if whole < 0 or whole >= 10**12:
        return None  # every account compares the same way
    return NumberReader(f"{whole:012d}")


def signature(readers: list[Reader], account: str) -> Signature:
    """The class of ``account``: each reader's state after its twelve digits."""
    states = [reader.start() for reader in readers]
    for digit in account:
        states = [reader.step(state, digit) for reader, state in zip(readers, states, strict=True)]
    return tuple(reader.finish(state) for reader, state in zip(readers, states, strict=True))


def account_classes(readers: list[Reader], avoid: Collection[str], per_class: int = 2) -> list[list[str]]:
    """Up to ``per_class`` twelve-digit accounts outside ``avoid`` for each class the readers tell apart.

    Args:
        readers: from :func:`account_patterns`.
        avoid: accounts that must not be representatives (named ones, known organisation members).
        per_class: how many distinct representatives to return per class, when the class has them.

    Returns:
        One list of representatives per non-empty class, in a deterministic order.
    """
    if not readers:
        # No pattern tells accounts apart: one class, whose first representatives in the walk's
        # descending order are the largest twelve-digit numbers outside ``avoid``.
        return [_largest_outside(avoid, per_class)]
    avoided = {a for a in avoid if len(a) == 12}
    prefixes = {a[:i] for a in avoided for i in range(13)}
    starts = tuple(reader.start() for reader in readers)
    # (states, prefix while it is a prefix of an avoided account else None) -> representatives
    layer: dict[tuple[Signature, str | None], list[str]] = {(starts, ""): [""]}
    moves: dict[tuple[Signature, str], Signature] = {}  # many prefixes share their readers' states
    for _ in range(12):
        following: dict[tuple[Signature, str | None], list[str]] = {}
        for (states, prefix), reps in layer.items():
            steps = []
            for digit in _DIGITS:
                moved = moves.get((states, digit))
                if moved is None:
                    moved = tuple(reader.step(state, digit) for reader, state in zip(readers, states, strict=True))
                    moves[(states, digit)] = moved
                node = prefix + digit if prefix is not None and prefix + digit in prefixes else None
                steps.append((digit, following.setdefault((moved, node), [])))
            for rep in reps:
                for digit, bucket in steps:
                    if len(bucket) < per_class:
                        bucket.append(rep + digit)
            if len(following) > _MAX_STATES:
                break
        layer = following
    classes: dict[Signature, list[str]] = {}
    for (states, prefix), reps in layer.items():
        if prefix is not None:
            continue  # exactly an avoided account
        final = tuple(reader.finish(state) for reader, state in zip(readers, states, strict=True))
        bucket = classes.setdefault(final, [])
        bucket.extend(r for r in reps if len(bucket) < per_class and r not in bucket)
    return list(classes.values())


def _largest_outside(avoided: Container[str], count: int) -> list[str]:
    found: list[str] = []
    candidate = 10**12 - 1
    while len(found) < count and candidate >= 0:
        text = f"{candidate:012d}"
        if text not in avoided:
            found.append(text)
        candidate -= 1
    return found


def member_classes(readers: list[Reader], members: Iterable[str]) -> list[str]:
    """One of ``members`` per class the readers tell apart."""
    if not readers:
        first = min(members, default=None)  # one class; its first member in sorted order
        return [] if first is None else [first]
    chosen: dict[Signature, str] = {}
    for account in sorted(members):
        chosen.setdefault(signature(readers, account), account)
    return list(chosen.values())
