"""The values ``--check`` and ``--severity`` take, from the catalogue: listed in the help, completed by
the shell, matched whatever their case, and a wrong one named with the right ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from rolescope.checks.catalogue import SEVERITIES
from rolescope.checks.registry import CHECK_IDS


class NamedChoice(click.Choice):  # type: ignore[type-arg]  # generic only from click 8.2
    """A case-insensitive choice whose error says what was asked for ("no such check") and lists the values."""

    def __init__(self, choices: Sequence[str], noun: str) -> None:
        super().__init__(choices, case_sensitive=False)
        self.noun = noun

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"no such {self.noun} {value!r} (known: {', '.join(map(str, self.choices))})", param, ctx)


def check_choice() -> NamedChoice:
    """A check id, listed in the help by :func:`check_help` (the metavar stays short: ``CHECK``)."""
    return NamedChoice(CHECK_IDS, "check")


def severity_choice() -> NamedChoice:
    """A severity, shown by click as ``[critical|high|...]``."""
    return NamedChoice(SEVERITIES, "severity")


def check_help(what: str) -> str:
    """``what`` (``"Only this check (repeatable)"``) and the check ids it takes."""
    return f"{what}: {', '.join(CHECK_IDS)}."
