"""The time keys IAM sets on every request: both present, single-valued, one moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from rolescope.policy.request_time import at_request_time, epoch_seconds, render_time, request_moment

CLOCK = 1796169600  # 2026-12-02T00:00:00Z


def test_a_request_without_time_keys_is_made_at_the_clock() -> None:
    context = at_request_time({"sts:externalid": ("x",)}, CLOCK)
    assert context == {"sts:externalid": ("x",), "aws:currenttime": ("2026-12-02T00:00:00Z",),
                       "aws:epochtime": (str(CLOCK),)}


@pytest.mark.parametrize(("key", "value"), [
    ("aws:currenttime", "2027-03-01T00:00:00Z"),
    ("aws:currenttime", "2027-03-01T01:00:00+01:00"),
    ("aws:currenttime", "2027-03-01"),
    ("aws:epochtime", "1803859200"),
])
def test_one_time_key_gives_the_other(key: str, value: str) -> None:
    context = at_request_time({key: (value,)}, CLOCK)
    assert context["aws:currenttime"] == ("2027-03-01T00:00:00Z",)
    assert context["aws:epochtime"] == ("1803859200",)


@pytest.mark.parametrize(("context", "message"), [
    ({"aws:currenttime": ("2027-03-01T00:00:00Z",), "aws:epochtime": ("1",)}, "different moments"),
    ({"aws:epochtime": ("1", "2")}, "one value"),
    ({"aws:currenttime": ("next tuesday",)}, "neither an ISO 8601 date nor epoch seconds"),
])
def test_time_keys_that_no_request_carries_are_refused(context: dict[str, tuple[str, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        request_moment(context)


def test_the_clock_is_rounded_up_to_the_second_and_read_as_utc() -> None:
    assert epoch_seconds(datetime(2026, 12, 2, 0, 0, 0, 1, tzinfo=UTC)) == CLOCK + 1
    assert epoch_seconds(datetime(2026, 12, 2)) == CLOCK
    assert epoch_seconds(datetime(2026, 12, 2, 1, tzinfo=timezone(timedelta(hours=1)))) == CLOCK


def test_rendering_past_year_9999_falls_back_to_epoch_seconds() -> None:
    assert render_time(CLOCK) == "2026-12-02T00:00:00Z"
    assert render_time(10**12) == str(10**12)
