"""``--as-of``: the one clock a command judges by, for trust (request times) and role usage alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from rolescope.policy.values import as_epoch

F = TypeVar("F", bound=Callable[..., Any])


class Moment(click.ParamType[datetime, Any]):
    """An ISO 8601 date or date and time (``Z`` or an offset; none means UTC), or epoch seconds, as UTC."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        if isinstance(value, date):  # a YAML date from rolescope.yaml
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        seconds = as_epoch(str(value))
        if seconds is None:
            self.fail(f"{value!r} is not a date: use ISO 8601 (2026-11-23, 2026-11-23T09:30:00Z) or epoch seconds",
                      param, ctx)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            self.fail(f"{value!r} is out of range", param, ctx)


def as_of_option(function: F) -> F:
    """The ``--as-of`` option (the clock; ``None`` when not given: see :func:`scan_clock`)."""
    return click.option(
        "--as-of", type=Moment(),
        help="The clock to judge by (ISO 8601 date or time, or epoch seconds) [default: now, UTC]: requests are "
             "judged as made then or later (aws:CurrentTime), role usage up to then.")(function)


def scan_clock(as_of: datetime | None) -> datetime:
    """The clock a command judges by: ``--as-of`` (a naive one read as UTC), else now (UTC)."""
    if as_of is None:
        return datetime.now(UTC).replace(microsecond=0)  # IAM compares times to the second
    return as_of.astimezone(UTC) if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
