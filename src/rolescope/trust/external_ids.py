"""When an ``sts:ExternalId`` pattern is a real ExternalId requirement.

The ExternalId is set by the deputy (the vendor's service) from what it knows of the customer it acts
for, not freely by whoever asks it. An exact value therefore separates customers; so does a
``StringLike`` pattern that fixes what the vendor derives from one customer only, such as Spacelift's
``<account>@<integration>@<stack>@<read|write>`` matched by ``example@*@stack-a@*``. A pattern that
fixes nothing (``*``, ``?*``), only separators, or only a short constant every customer of the
vendor shares (Lacework's ``lweid:aws:v2:`` prefix, Spacelift's ``@write`` suffix) does not.

The rule: a pattern is a requirement when its fixed letters and digits (wildcards and separators do
not count) number at least the catalogue's ``min_external_id_pattern_literals``. Nothing in the
pattern itself tells a customer's name from a long constant the vendor writes for everybody; the
``weak-external-id`` check therefore reports every accepted pattern (low), naming what it fixes.
"""

from __future__ import annotations

from rolescope.policy.glob import Pattern, compile_pattern
from rolescope.policy.model import PolicyDocument
from rolescope.trust.keyspace import KeySpec

EXTERNAL_ID = "sts:externalid"


def is_pattern(value: str) -> bool:
    return "*" in value or "?" in value


def fixed_characters(pattern: str) -> int:
    """The letters and digits a wildcard pattern fixes (``example@*@stack-a@*``: 13)."""
    return sum(1 for char in pattern if char.isalnum())


def pins_customer(pattern: str, minimum: int | None) -> bool:
    """Whether a ``StringLike`` ExternalId pattern counts as an ExternalId requirement (``None``: never)."""
    return minimum is not None and "${" not in pattern and fixed_characters(pattern) >= minimum


def chosen_external_id(policy: PolicyDocument, minimum: int | None) -> KeySpec:
    """An ExternalId an outsider chose: one no exact value fixes and no pinning pattern matches.

    Args:
        policy: the trust policy.
        minimum: the fixed letters and digits a pattern needs to count (``None``: patterns never do).
    """
    pinning: list[Pattern] = []
    for statement in policy.statements:
        for condition in statement.conditions:
            if condition.key != EXTERNAL_ID or not condition.family.wildcards:
                continue
            pinning += [compile_pattern(v) for v in condition.values if is_pattern(v) and pins_customer(v, minimum)]
    return KeySpec(unpinned=True, shapes=tuple((p, False) for p in dict.fromkeys(pinning)))
