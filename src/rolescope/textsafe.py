"""Untrusted text made safe for a terminal or a line of a text file: invisible characters shown.

Role names, paths, tags, Sids and policy strings come from files anyone could have written (a GAAD
export, a scan document, a suppressions file). Printed as they are, an ESC sequence clears the screen,
sets the terminal title or hides what follows; a newline or carriage return forges a line of our own
output ("FAKE: all clear"); a right-to-left override makes ``role/nimda`` read as ``role/admin``.

Every character that :meth:`str.isprintable` rejects is written as the Python escape that names it,
so a reader sees that it was there: the C0 and C1 controls (ESC, CR, LF, TAB, DEL, U+0085...), the
line and paragraph separators U+2028/U+2029, the format characters (bidirectional overrides and
isolates U+202A-U+202E and U+2066-U+2069, zero-width characters, tag characters), spaces other than
U+0020, surrogates, private-use and unassigned code points. Nothing is dropped; every other character,
backslashes included, is left as it is, so ordinary text is unchanged.

Structured formats (JSON, SARIF, OCSF, ASFF) keep the original strings: their consumers escape.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(character: str) -> str:
    """The escape that shows one character that is not printable (``\\x1b``, ``\\n``, ``\\u202e``)."""
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe_text(text: str) -> str:
    """``text`` for one line of a terminal or text file: every character that is not printable
    written as its escape (see the module docstring); printable text comes back unchanged."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else visible(c) for c in text)


def safe_lines(text: str) -> str:
    """A block of lines (``\\n``-separated) with each line made safe; the line breaks are kept."""
    return "\n".join(safe_text(line) for line in text.split("\n"))
