"""Untrusted text made safe for a terminal: nothing invisible gets through, nothing is lost."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from rolescope.textsafe import safe_lines, safe_text, visible

_ESCAPE = re.compile(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|n|r|t)")
_NAMED = {"n": "\n", "r": "\r", "t": "\t"}


def _undo(shown: str) -> str:
    return _ESCAPE.sub(lambda m: _NAMED.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), shown)


@given(st.text())
@example("ops\x1b]0;pwned\x07\x1b[2J")
@example("ci\nFAKE: all clear\r")
@example("admin\u202egnp.exe\u2066\u2069\u2028\u2029\x85\x7f\x00\t\U000e0041\ud800")
def test_the_output_is_printable_and_shows_every_character(text: str) -> None:
    shown = safe_text(text)
    assert shown.isprintable()
    if "\\" not in text:  # backslashes are left alone, so only then is the text read back unambiguously
        assert _undo(shown) == text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))
               | st.just(" ")))
def test_printable_text_is_unchanged(text: str) -> None:
    assert safe_text(text) == text


def test_the_escapes_name_the_characters() -> None:
    assert [visible(c) for c in "\x1b\n\r\t\x7f\x85\u202e\u2066\U000e0001"] == [
        "\\x1b", "\\n", "\\r", "\\t", "\\x7f", "\\x85", "\\u202e", "\\u2066", "\\U000e0001"]
    assert safe_text("[bold]x[/bold] a\\b") == "[bold]x[/bold] a\\b"


@given(st.text())
def test_a_block_keeps_its_lines_and_each_is_safe(text: str) -> None:
    shown = safe_lines(text)
    assert shown.count("\n") == text.count("\n")
    assert all(line.isprintable() for line in shown.split("\n"))
