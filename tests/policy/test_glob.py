"""IAM wildcards: matching, ARN matching per segment, and the automaton search the trust reasoning uses."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolescope.policy.glob import (
    FRESH,
    accepts,
    advance,
    arn_match,
    compile_pattern,
    find_string,
    glob_match,
    pattern_matches,
)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "ABC", False),
        ("a*", "a", True),
        ("a*", "a:b/c", True),
        ("*", "", True),
        ("?", "", False),
        ("a?c", "a:c", True),
        ("a.c", "abc", False),
        ("a+", "aa", False),
        ("[ab]", "a", False),
        ("*b*", "abc", True),
        ("a\nb", "a\nb", True),
        ("a*", "a\nb", True),
    ],
)
def test_glob_match(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


def test_glob_match_ignore_case() -> None:
    assert glob_match("Sts:Assume*", "sts:assumerole", ignore_case=True)
    assert glob_match("ABC", "abc", ignore_case=True)
    assert not glob_match("ABC", "abd", ignore_case=True)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x", True),
        ("arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x", False),  # '*' stays inside the account part
        ("arn:aws:iam::*", "arn:aws:iam::123456789012:role/x", False),  # five parts are not an ARN pattern
        ("arn:aws:iam::123456789012:*", "arn:aws:iam::123456789012:role/a:b", True),  # resource may hold ':'
        ("arn:*:iam::*:role/*", "arn:aws-us-gov:iam::123456789012:role/p/x", True),
        ("arn:aws:iam::*:role/x", "not an arn", False),
        ("*", "not an arn", True),
    ],
)
def test_arn_match(pattern: str, text: str, expected: bool) -> None:
    assert arn_match(pattern, text) is expected


def test_find_string_shortest_and_exact() -> None:
    assert find_string([(compile_pattern("ab*"), True)]) == "ab"
    assert find_string([(compile_pattern("a*"), True), (compile_pattern("a"), False)]) is not None
    assert find_string([(compile_pattern("a"), True), (compile_pattern("a*"), False)]) is None
    assert find_string([(compile_pattern("x*"), True), (compile_pattern("*y"), True)]) == "xy"
    assert find_string([(compile_pattern("*"), True), (compile_pattern(f"*{FRESH}*"), True)]) == FRESH


def test_find_string_with_literal_and_case_insensitive_patterns() -> None:
    literal = compile_pattern("a*", wildcards=False)
    assert find_string([(literal, True)]) == "a*"
    insensitive = compile_pattern("AB", ignore_case=True)
    found = find_string([(insensitive, True), (compile_pattern("AB"), False)])
    assert found is not None and found.lower() == "ab" and found != "AB"


def test_find_string_arn_wildcards_do_not_cross_colons() -> None:
    pattern = compile_pattern("arn:aws:iam::*:role/x", arn=True)
    assert find_string([(pattern, True), (compile_pattern("*:*:*:*:*:*:*"), True)]) is None
    assert find_string([(pattern, True)]) == "arn:aws:iam:::role/x"


def test_advance_and_accepts() -> None:
    pattern = compile_pattern("arn:aws:iam::2222*:role/*", arn=True)
    after_account = advance(pattern, "arn:aws:iam::222211112222:")
    assert accepts(pattern, advance(pattern, "role/x", after_account))
    assert not accepts(pattern, advance(pattern, "arn:aws:iam::333311112222:role/x"))
    assert advance(pattern, "zzz") == frozenset()


PATTERN_TEXT = st.text(alphabet="ab*?:", max_size=5)


@given(st.lists(st.tuples(PATTERN_TEXT, st.booleans(), st.booleans()), min_size=1, max_size=3))
def test_find_string_is_sound_and_complete_on_small_alphabets(spec: list[tuple[str, bool, bool]]) -> None:
    constraints = [(compile_pattern(text, arn=arn), must) for text, must, arn in spec]
    found = find_string(constraints)
    if found is not None:
        assert all(pattern_matches(p, found) == must for p, must in constraints)
    else:
        for length in range(7):
            for letters in itertools.product("ab:" + FRESH, repeat=length):
                text = "".join(letters)
                assert not all(pattern_matches(p, text) == must for p, must in constraints), text


@given(PATTERN_TEXT, st.text(alphabet="ab:c", max_size=6))
def test_compiled_patterns_agree_with_glob_match(pattern: str, text: str) -> None:
    assert pattern_matches(compile_pattern(pattern), text) == glob_match(pattern, text)


ARN_PARTS = st.lists(st.text(alphabet="ab*?", max_size=2), min_size=6, max_size=7)


@given(ARN_PARTS, st.lists(st.text(alphabet="ab:", max_size=2), min_size=5, max_size=7))
def test_compiled_arn_patterns_agree_with_arn_match(parts: list[str], text_parts: list[str]) -> None:
    pattern, text = ":".join(parts), ":".join(text_parts)
    assert pattern_matches(compile_pattern(pattern, arn=True), text) == arn_match(pattern, text)


@given(st.lists(st.tuples(PATTERN_TEXT, st.booleans(), st.booleans()), min_size=1, max_size=4))
def test_find_string_answers_the_first_shortest_string(spec: list[tuple[str, bool, bool]]) -> None:
    # The answer is pinned, not only sound: the shortest satisfying string over the search's alphabet
    # (the patterns' characters, ``:`` and FRESH), the first in code-point order among those.
    constraints = [(compile_pattern(text, arn=arn), must) for text, must, arn in spec]
    found = find_string(constraints)
    alphabet = sorted({FRESH, ":"}.union(*(p.literal_chars for p, _ in constraints)))
    expected = None
    for length in range(6):
        expected = next((text for text in ("".join(letters) for letters in itertools.product(alphabet, repeat=length))
                         if all(pattern_matches(p, text) == must for p, must in constraints)), None)
        if expected is not None:
            break
    if expected is not None or found is None or len(found) < 6:
        assert found == expected
