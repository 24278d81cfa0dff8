"""Which accounts the trust search must try: one per class of accounts the policy cannot tell apart.

The identity of a caller's account reaches the conditions through ``aws:PrincipalAccount`` and the
account part of ``aws:PrincipalArn``. A policy names some accounts literally (those get callers of
their own) and may match others by pattern (``"2222*"``, ``arn:aws:iam::*:role/x``). Two accounts that
leave every such pattern in the same automaton state after their twelve digits are indistinguishable
to the policy, so one representative per class stands for all of them. The classes come from a
breadth-first walk over the digits, tracking the pattern states and whether the prefix is still that
of an account to avoid (a named one, or a known member of the role's organisation).
"""

from __future__ import annotations

from collections.abc import Iterable

from rolescope.policy.glob import Pattern, advance, compile_pattern
from rolescope.policy.model import PolicyDocument

ACCOUNT_KEYS = {"aws:principalaccount": "account", "aws:principalarn": "arn"}
_PATTERN_FAMILIES = frozenset({"string", "string-ci", "glob", "arn"})
_DIGITS = "9876543210"  # descending: with no pattern in play the first representatives are 999999999999...
_MAX_STATES = 512  # per digit position; real policies stay far below, past it some classes are not tried

Signature = tuple[frozenset[int], ...]


def account_patterns(policy: PolicyDocument, partition: str) -> list[tuple[Pattern, str, str]]:
    """The patterns that read a caller's account: ``(pattern, text before the digits, text after)``."""
    found: list[tuple[Pattern, str, str]] = []
    seen: set[tuple[str, str, bool, bool]] = set()
    for statement in policy.statements:
        for condition in statement.conditions:
            shape = ACCOUNT_KEYS.get(condition.key)
            if shape is None or condition.family not in _PATTERN_FAMILIES:
                continue
            wildcards = condition.family in ("glob", "arn")
            ignore_case = condition.family == "string-ci"
            for value in condition.values:
                if "${" in value or (value, shape, wildcards, ignore_case) in seen:
                    continue
                seen.add((value, shape, wildcards, ignore_case))
                pattern = compile_pattern(value, wildcards=wildcards, ignore_case=ignore_case,
                                          arn=condition.family == "arn")
                if shape == "account":
                    found.append((pattern, "", ""))
                else:
                    found.append((pattern, f"arn:{partition}:iam::", ":"))
    return found


def signature(patterns: list[tuple[Pattern, str, str]], account: str) -> Signature:
    """The class of ``account``: each pattern's state after reading it (with the ARN around it)."""
    return tuple(advance(p, before + account + after) for p, before, after in patterns)


def account_classes(patterns: list[tuple[Pattern, str, str]], avoid: Iterable[str], per_class: int = 2
                    ) -> list[list[str]]:
    """Up to ``per_class`` twelve-digit accounts outside ``avoid`` for each class the patterns tell apart.

    Args:
        patterns: from :func:`account_patterns`.
        avoid: accounts that must not be representatives (named ones, known organisation members).
        per_class: how many distinct representatives to return per class, when the class has them.

    Returns:
        One list of representatives per non-empty class, in a deterministic order.
    """
    avoided = {a for a in avoid if len(a) == 12}
    prefixes = {a[:i] for a in avoided for i in range(13)}
    starts = tuple(advance(p, before) for p, before, _ in patterns)
    # (signature, prefix while it is a prefix of an avoided account else None) -> representatives
    layer: dict[tuple[Signature, str | None], list[str]] = {(starts, ""): [""]}
    for _ in range(12):
        following: dict[tuple[Signature, str | None], list[str]] = {}
        for (states, prefix), reps in layer.items():
            steps = []
            for digit in _DIGITS:
                moved = tuple(advance(p, digit, s) for (p, _, _), s in zip(patterns, states, strict=True))
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
        final = tuple(advance(p, after, s) for (p, _, after), s in zip(patterns, states, strict=True))
        bucket = classes.setdefault(final, [])
        bucket.extend(r for r in reps if len(bucket) < per_class and r not in bucket)
    return list(classes.values())


def member_classes(patterns: list[tuple[Pattern, str, str]], members: Iterable[str]) -> list[str]:
    """One of ``members`` per class the patterns tell apart."""
    chosen: dict[Signature, str] = {}
    for account in sorted(members):
        chosen.setdefault(signature(patterns, account), account)
    return list(chosen.values())
