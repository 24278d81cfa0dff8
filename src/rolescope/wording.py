"""How messages say numbers and lists: one helper each, so that "1 accounts" cannot come back."""

from __future__ import annotations

from collections.abc import Sequence


def count(number: int, one: str, many: str | None = None) -> str:
    """``1 account``, ``2 accounts``, ``1,200 trust searches`` (``many`` when adding an s is wrong)."""
    return f"{number:,} {one if number == 1 else many or one + 's'}"


def listed(items: Sequence[str], most: int = 20) -> str:
    """``a, b, c``: the first ``most`` of ``items``, and how many more there are (``none`` when empty)."""
    if not items:
        return "none"
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most:,} more" if len(items) > most else "")
