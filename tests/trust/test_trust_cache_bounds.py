"""TrustCache holds one zone's analyses and a bounded number of parsed documents."""

from __future__ import annotations

from rolescope.scanner import TrustCache
from rolescope.trust.witness import Zone


def _trust(account: str) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}


def test_analyses_are_kept_for_the_current_zone_only() -> None:
    cache = TrustCache()
    first, second = Zone("111111111111"), Zone("222222222222")
    document = _trust("333333333333")
    cache.analyse(document, first)
    cache.analyse(document, first)
    assert cache.stats["reused"] == 1
    cache.analyse(document, second)
    cache.analyse(document, first)  # the first zone's table was dropped when the second came
    assert cache.stats["reused"] == 1
    assert cache.stats["analysed"] + cache.stats["renamed"] == 3


def test_parsed_documents_and_their_reductions_are_bounded() -> None:
    cache = TrustCache(max_documents=3)
    zone = Zone("111111111111")
    for index in range(10):
        cache.analyse(_trust(f"{index:012d}"), zone)
        assert len(cache._policies) <= 3
        assert len(cache._shapes._documents) <= 3  # their reductions too
    again = cache.analyse(_trust("000000000009"), zone)
    assert again.outside_accounts == ("000000000009",)
