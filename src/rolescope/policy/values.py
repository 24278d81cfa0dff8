"""Reading condition values as the typed quantities IAM compares: numbers, dates, addresses."""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import UTC, datetime

from rolescope.caches import memoized
from rolescope.policy.glob import LITERAL_QUESTION, LITERAL_STAR

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def as_number(text: str) -> float | None:
    """The finite number ``text`` spells in decimal notation, or ``None`` (no ``nan``, ``inf``, ``1_000``)."""
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


@memoized(4096)
def as_epoch(text: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 date or an epoch number, or ``None``."""
    number = as_number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@memoized(4096)
def as_network(text: str) -> IpNetwork | None:
    """The network a CIDR (or a lone address) denotes, or ``None``."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def as_address(text: str) -> IpAddress | None:
    """The IP address ``text`` spells, or ``None``."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def variable_names(value: str) -> list[str]:
    """The context keys a value's ``${...}`` policy variables refer to (lower-cased)."""
    names = []
    for body in _VARIABLE.findall(value):
        name = body.split(",", 1)[0].strip()
        if name not in _ESCAPES:
            names.append(name.lower())
    return names


def substitute(value: str, context: dict[str, tuple[str, ...]] | None, *, pattern: bool = False) -> str | None:
    """Replace ``${key}`` and ``${key, 'default'}`` from a request context.

    Args:
        value: a condition value with policy variables.
        context: the request's condition keys.
        pattern: the value is a wildcard pattern (``StringLike``, ``ArnLike``): what the variables
            bring in, and ``${*}``/``${?}``, stand for themselves, not for wildcards.

    Returns:
        The value with every variable replaced, or ``None`` when a variable names a key the request
        lacks and has no default (IAM then treats the value as not matching).
    """
    missing = False

    def literal(text: str) -> str:
        return text.replace("*", LITERAL_STAR).replace("?", LITERAL_QUESTION) if pattern else text

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        body = match.group(1)
        if body in _ESCAPES:
            return literal(_ESCAPES[body])
        name, _, default = body.partition(",")
        found = (context or {}).get(name.strip().lower())
        if found:
            return literal(found[0])
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return literal(default[1:-1])
        missing = True
        return ""

    result = _VARIABLE.sub(replace, value)
    return None if missing else result
