"""Numbers and lists in messages: "1 account", "2 accounts", and long lists cut with a count."""

from __future__ import annotations

from rolescope.wording import count, listed


def test_count_agrees_with_its_number() -> None:
    assert [count(n, "account") for n in (0, 1, 2, 1200)] == ["0 accounts", "1 account", "2 accounts",
                                                             "1,200 accounts"]
    assert count(1, "trust search", "trust searches") == "1 trust search"
    assert count(3, "trust search", "trust searches") == "3 trust searches"


def test_listed_cuts_long_lists_and_says_how_many_more() -> None:
    assert listed([]) == "none"
    assert listed(["a", "b"]) == "a, b"
    assert listed([str(i) for i in range(25)], most=3) == "0, 1, 2 and 22 more"
