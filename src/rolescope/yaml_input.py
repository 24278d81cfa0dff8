"""Reading YAML a user wrote (suppressions, rolescope.yaml): one-line errors that name the file and place.

Each caller passes its own error type, so its messages stay its own (``SuppressionError``,
``ConfigError``) while the wording of the common problems is written once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from difflib import get_close_matches
from typing import Any

import yaml

ACCOUNT_ID = re.compile(r"^\d{12}$")

ErrorType = Callable[[str], Exception]


def parse_user_yaml(text: str, source: str, error: ErrorType) -> Any:
    """The data in ``text``; not YAML is ``error("SOURCE: not valid YAML at line L, column C: problem")``."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or "invalid YAML"
        raise error(f"{source}: not valid YAML{where}: {reason}") from None
    except (ValueError, TypeError, RecursionError) as problem:  # a constructor's, e.g. the date 2027-02-30
        raise error(f"{source}: not valid YAML: {problem}") from None


def account_ids(value: Any, where: str, name: str, error: ErrorType) -> tuple[str, ...]:
    """One 12-digit account id or a list of them, in the order given.

    Args:
        value: what the file holds.
        where: the place, for messages (``FILE: suppression #2``).
        name: the field, for messages.
        error: the caller's error type.
    """
    values = value if isinstance(value, list) else [value]
    accounts = []
    for account in values:
        # YAML reads an unquoted 12-digit id as an integer; a leading zero would be lost, so such
        # ids must be quoted, and an integer is accepted only when it still has 12 digits.
        text = str(account) if isinstance(account, int) and not isinstance(account, bool) else account
        if not isinstance(text, str) or not ACCOUNT_ID.match(text):
            raise error(f"{where}: {name!r} must be a 12-digit account id (quote it) or a list of them, "
                        f"not {account!r}")
        accounts.append(text)
    if not accounts:
        raise error(f"{where}: {name!r} is an empty list")
    return tuple(accounts)


def unknown_key(key: object, known: Iterable[str], what: str = "key") -> str:
    """``unknown key 'x' (did you mean 'y'?)``, or with the known keys listed when none is close."""
    choices = sorted(known)
    close = get_close_matches(str(key), choices, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(choices)}"
    return f"unknown {what} {str(key)!r} ({hint})"
