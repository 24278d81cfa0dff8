"""Accepted risks written as comments: ``# rolescope:ignore <check-id> <reason>`` (YAML and HCL; ``//`` in HCL).

A comment belongs to the resource it stands in, or to the resource right below it when only comments
and blank lines separate them. The reason is required, and the check id must be one rolescope has,
so that a typo does not silently suppress nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rolescope.checks.registry import CHECKS
from rolescope.iac.model import Suppression, TemplateError

_COMMENT = re.compile(r"(?:#|//)\s*rolescope:ignore\b(.*)$")
_COMMENT_OR_BLANK = re.compile(r"^\s*(?:(?:#|//).*)?$")


def comment_suppressions(text: str, starts: Mapping[str, int]) -> dict[str, tuple[Suppression, ...]]:
    """The suppressions in ``text``'s comments, by the resource (of ``starts``: name -> first line) they belong to.

    Raises:
        TemplateError: a comment without a reason, with an unknown check id, or outside every resource.
    """
    lines = text.split("\n")
    found: dict[str, list[Suppression]] = {}
    known = {check.id for check in CHECKS}
    for number, line in enumerate(lines, 1):
        match = _COMMENT.search(line)
        if match is None:
            continue
        check, _, reason = match.group(1).strip().partition(" ")
        if not check or not reason.strip():
            raise TemplateError(f"line {number}: rolescope:ignore needs a check id and a reason")
        if check not in known:
            raise TemplateError(f"line {number}: rolescope:ignore {check!r} is not a rolescope check")
        owner = _owner(number, lines, starts.items())
        if owner is None:
            raise TemplateError(f"line {number}: rolescope:ignore is not inside or above a resource")
        found.setdefault(owner, []).append(Suppression(check, reason.strip()))
    return {name: tuple(items) for name, items in found.items()}


def _owner(number: int, lines: list[str], starts: Iterable[tuple[str, int]]) -> str | None:
    ordered = sorted(starts, key=lambda item: item[1])
    below = next(((name, start) for name, start in ordered if start > number), None)
    if below is not None and all(_COMMENT_OR_BLANK.match(lines[i - 1]) for i in range(number + 1, below[1])):
        return below[0]
    above = [name for name, start in ordered if start <= number]
    return above[-1] if above else None
