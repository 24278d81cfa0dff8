"""Adding and replacing ``[profile NAME]`` sections of the AWS CLI config, leaving every other byte alone.

``configparser`` would lose comments, blank lines and spelling on a round trip, so the file is kept as
its lines: a section runs from its header to the next header, and only the sections of the profiles
being written are ever touched. A replaced section keeps its place; the comments and blank lines that
end it (they usually introduce the next section) are kept too. New sections go at the end, after one
blank line. Headers are recognised as botocore's parser does (``[...]`` at the start of a line,
``[default]`` or ``[profile NAME]``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

_HEADER = re.compile(r"\[(?P<inside>.+)\]")
_KEY_VALUE = re.compile(r"\s*(?P<key>[^=:\s][^=:]*?)\s*[=:]\s*(?P<value>.*?)\s*$")


class Outcome(Enum):
    """What merging did with one profile."""

    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"  # already there with exactly these keys and values
    KEPT = "kept"  # there with other values, and not to be overwritten


@dataclass(frozen=True, slots=True)
class ProfileSection:
    """A profile to write: its name and its keys in order. Names and values are already safe (see
    :mod:`rolescope.auth.profile_values`): no line breaks, brackets in names, or surrounding spaces."""

    name: str
    keys: tuple[tuple[str, str], ...]

    def header(self) -> str:
        return "[default]" if self.name == "default" else f"[profile {self.name}]"

    def lines(self, newline: str) -> list[str]:
        return [self.header() + newline, *(f"{key} = {value}{newline}" for key, value in self.keys)]


@dataclass(frozen=True, slots=True)
class Merged:
    """The new config text and what happened to each profile, in the order given."""

    text: str
    outcomes: tuple[tuple[str, Outcome], ...]


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, each with its line ending (the last may have none)."""
    # Only "\n" ends a line for botocore's parser; str.splitlines would also split on \x0b, \u2028...
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def profile_of_header(line: str) -> str | None:
    """The profile a section header line opens (``default`` or ``NAME``), or ``None`` for another
    section (``[sso-session x]``, ``[services y]``) or a line that is no header."""
    found = _header(line)
    if found is None:
        return None
    words = found.group("inside").split()
    if words == ["default"]:
        return "default"
    if len(words) == 2 and words[0] == "profile":
        return words[1]
    return None


def _header(line: str) -> re.Match[str] | None:
    # A header starts its line: an indented "[...]" continues the value above it.
    return _HEADER.match(line.rstrip()) if line[:1] == "[" else None


def _section_spans(lines: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Profile name -> (header index, end index) of its first section; the end leaves out the comments
    and blank lines just before the next header."""
    headers = [i for i, line in enumerate(lines) if _header(line) is not None]
    spans: dict[str, tuple[int, int]] = {}
    for position, start in enumerate(headers):
        name = profile_of_header(lines[start])
        if name is None or name in spans:
            continue
        end = headers[position + 1] if position + 1 < len(headers) else len(lines)
        while end > start + 1 and _is_trailer(lines[end - 1]):
            end -= 1
        spans[name] = (start, end)
    return spans


def _is_trailer(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped[0] in "#;"


def section_keys(lines: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The ``key = value`` pairs of a section's body lines, comments and blank lines skipped."""
    pairs = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        found = _KEY_VALUE.match(line.rstrip("\r\n"))
        pairs.append((found.group("key"), found.group("value")) if found else (stripped, ""))
    return tuple(pairs)


def existing_profiles(text: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each profile of the config text and its keys (the first section of a name, as botocore reads it)."""
    lines = split_lines(text)
    return {name: section_keys(lines[start + 1:end]) for name, (start, end) in _section_spans(lines).items()}


def merge_profiles(text: str, profiles: Sequence[ProfileSection], overwrite: bool = False) -> Merged:
    """``text`` with ``profiles`` added, or replaced where ``overwrite`` allows; every other line as it was.

    Args:
        text: the config file's text ("" for a new file).
        profiles: the profiles to write, each name once.
        overwrite: replace a profile that exists with other keys or values.

    Returns:
        The new text (equal to ``text`` when nothing changes) and each profile's outcome.
    """
    lines = split_lines(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    spans = _section_spans(lines)
    replacements: dict[int, tuple[int, list[str]]] = {}
    appended: list[ProfileSection] = []
    outcomes: list[tuple[str, Outcome]] = []
    for profile in profiles:
        span = spans.get(profile.name)
        if span is None:
            appended.append(profile)
            outcomes.append((profile.name, Outcome.ADDED))
            continue
        start, end = span
        if section_keys(lines[start + 1:end]) == profile.keys:
            outcomes.append((profile.name, Outcome.UNCHANGED))
        elif overwrite:
            replacements[start] = (end, profile.lines(newline))
            outcomes.append((profile.name, Outcome.REPLACED))
        else:
            outcomes.append((profile.name, Outcome.KEPT))
    result: list[str] = []
    index = 0
    while index < len(lines):
        if index in replacements:
            end, new = replacements[index]
            result.extend(new)
            index = end
        else:
            result.append(lines[index])
            index += 1
    if appended:
        if result and not result[-1].endswith("\n"):
            result[-1] += newline
        for profile in appended:
            if result and result[-1].strip():
                result.append(newline)
            result.extend(profile.lines(newline))
    return Merged("".join(result), tuple(outcomes))

