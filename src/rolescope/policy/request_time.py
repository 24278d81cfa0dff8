"""The time of a request: IAM sets ``aws:CurrentTime`` and ``aws:EpochTime`` on every request, to one moment.

The caller never chooses them. Both are present in every request context and single-valued, and they
always agree: ``aws:EpochTime`` is ``aws:CurrentTime`` in seconds since the epoch. IAM compares dates
to the second, so a moment here is a whole number of seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

from rolescope.policy.values import as_epoch

CURRENT_TIME, EPOCH_TIME = "aws:currenttime", "aws:epochtime"
TIME_KEYS = (CURRENT_TIME, EPOCH_TIME)


def epoch_seconds(moment: datetime) -> int:
    """``moment`` in whole seconds since the epoch (a naive datetime is read as UTC), rounded up: a
    request made at the clock or later is made at this second or later."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return math.ceil(aware.timestamp())


def render_time(moment: int) -> str:
    """``moment`` as ``aws:CurrentTime`` shows it (``2027-03-01T00:00:00Z``); epoch seconds past year 9999."""
    try:
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(moment)


def time_keys(moment: int) -> dict[str, tuple[str, ...]]:
    """The time keys IAM puts in a request made at ``moment``."""
    return {CURRENT_TIME: (render_time(moment),), EPOCH_TIME: (str(moment),)}


def request_moment(context: Mapping[str, tuple[str, ...]]) -> int | None:
    """The moment a request context's time keys give, or ``None`` when it carries neither.

    Raises:
        ValueError: a time key has several values, is not a date, or the two keys disagree.
    """
    moments = []
    for key in TIME_KEYS:
        values = context.get(key)
        if not values:
            continue
        if len(values) > 1:
            raise ValueError(f"{key} has one value in every request, not {len(values)}")
        seconds = as_epoch(values[0])
        if seconds is None:
            raise ValueError(f"{key}={values[0]!r} is neither an ISO 8601 date nor epoch seconds")
        moments.append(math.floor(seconds))
    if len(set(moments)) > 1:
        raise ValueError("aws:CurrentTime and aws:EpochTime name different moments; IAM sets both to the "
                         "time of the request")
    return moments[0] if moments else None


def made_at(context: Mapping[str, tuple[str, ...]]) -> int:
    """When a request is made, to order requests by time: ``0`` when it carries no time keys."""
    return request_moment(context) or 0


def at_request_time(context: Mapping[str, tuple[str, ...]], clock: int) -> dict[str, tuple[str, ...]]:
    """``context`` with both time keys as IAM sets them: from the one the context carries, else ``clock``.

    Raises:
        ValueError: as :func:`request_moment`.
    """
    moment = request_moment(context)
    return {**context, **time_keys(clock if moment is None else moment)}
