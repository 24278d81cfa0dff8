"""Filters of findings by check and severity that can never keep one: a typo must not pass CI as "0 findings"."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings


def _ordered(severities: Iterable[str]) -> list[str]:
    return sorted(severities, key=severity_rank)


def unmatchable_filter(checks: Collection[str], severities: Collection[str], settings: CheckSettings,
                       every_check: Collection[str], kept_by: str = "--severity") -> str | None:
    """Why keeping only ``severities`` of ``checks`` can never keep a finding, or ``None`` when it can.

    A check's possible severities are its catalogue severity and its declared overrides, or the one
    severity the configuration gives it (:meth:`CheckSettings.possible_severities`).

    Args:
        checks: the checks selected (empty: every check).
        severities: the severities kept (empty: every severity).
        settings: the checks' settings in force.
        every_check: every check id, for an empty ``checks``.
        kept_by: what chose ``severities``, as the message names it.

    Returns:
        One line naming what each selected check can produce, or ``None``.
    """
    if not severities:
        return None
    possible = {check: settings.possible_severities(check) for check in (sorted(checks) or every_check)}
    if any(found & set(severities) for found in possible.values()):
        return None
    wanted = ", ".join(_ordered(severities))
    if not checks:
        produced = set().union(*possible.values())
        return (f"{kept_by} {wanted} can never match: no check produces it (they produce "
                f"{', '.join(_ordered(produced))})")
    each = "; ".join(f"{check} produces only {' or '.join(_ordered(found))}" for check, found in possible.items())
    return f"{kept_by} {wanted} can never match the checks selected with --check: {each}"
