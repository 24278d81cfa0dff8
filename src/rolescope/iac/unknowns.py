"""Unknown values inside a resolved document: marker strings, and what the engine is given for them.

While a template is resolved, each value it leaves to deploy time becomes a marker (two private-use
characters around its index), so it can sit inside a string (``arn:aws:iam::<marker>:root``) and even
inside a JSON text that is parsed later. Before the policy is parsed each marker is replaced, by
where it stands:

* in a principal it is an account (or name) nobody else in the policy or the zone holds: "any
  account" of the deployer's choice, so the engine sees a cross-account principal, and findings name
  the unknown instead of the stand-in account id;
* in a condition value it is the values a constrained parameter allows (``AllowedValues``), a fixed
  value when its ``MinLength`` reaches the catalogue's shortest acceptable ExternalId (and, for an
  operator that reads wildcards, its ``AllowedPattern`` rejects them), and otherwise any value: ``*``
  for an operator that reads wildcards (it matches everything), and for an exact operator a short
  stand-in, the weakest value the deployer could choose (so the ExternalId check reports it, naming
  the unknown);
* anywhere else (an action, a condition key) it is ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rolescope.iac.model import Unknown

_OPEN, _CLOSE, _VALUE = "\ue001", "\ue002", "\ue003"
MARKER = re.compile(f"{_OPEN}([0-9]+){_CLOSE}")
_WILDCARD_OPERATORS = ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike")


def marker(index: int) -> str:
    """The marker of the unknown at ``index``."""
    return f"{_OPEN}{index}{_CLOSE}"


def has_marker(value: object) -> bool:
    return isinstance(value, str) and MARKER.search(value) is not None


@dataclass(frozen=True, slots=True)
class StandIns:
    """The account ids that stand for unknown principals, and how to name them again in messages."""

    accounts: tuple[str, ...]
    labels: tuple[str, ...]

    def value(self, index: int) -> str:
        """The stand-in for the unknown at ``index`` as an unconstrained value under an exact operator."""
        return f"{_VALUE}{index}"

    def named(self, text: str) -> str:
        """``text`` with every stand-in replaced by what it stands for."""
        for index, (account, label) in enumerate(zip(self.accounts, self.labels, strict=True)):
            value = self.value(index)
            text = text.replace(account, label).replace(repr(value), label).replace(value, label)
        return text


def stand_ins(unknowns: tuple[Unknown, ...], taken: Iterable[str]) -> StandIns:
    """An unused 12-digit account id for each unknown: none that the template or the zone names."""
    used = set(taken)
    accounts: list[str] = []
    candidate = 999999999999
    for _ in unknowns:
        while f"{candidate:012d}" in used:
            candidate -= 1
        accounts.append(f"{candidate:012d}")
        used.add(accounts[-1])
    return StandIns(tuple(accounts), tuple(f"<{u.reason}>" for u in unknowns))


def substitute(document: Any, unknowns: tuple[Unknown, ...], accounts: StandIns, min_length: int) -> Any:
    """``document`` with every marker replaced as the module says (a new value; the input is kept)."""
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), dict | list):
        return _everywhere(document, lambda index: "*")
    statements = document["Statement"]
    items = [statements] if isinstance(statements, dict) else statements
    result = dict(document)
    result["Statement"] = [_statement(s, unknowns, accounts, min_length) for s in items]
    return _everywhere(result, lambda index: "*")


def _statement(statement: Any, unknowns: tuple[Unknown, ...], accounts: StandIns, min_length: int) -> Any:
    if not isinstance(statement, dict):
        return statement
    result = dict(statement)
    for key in ("Principal", "NotPrincipal"):
        if key in result:
            result[key] = _everywhere(result[key], lambda index: accounts.accounts[index])
    block = result.get("Condition")
    if isinstance(block, dict):
        result["Condition"] = {
            operator: {key: _condition_values(values, unknowns, accounts, operator, min_length)
                       for key, values in keys.items()}
            if isinstance(keys, dict) else keys
            for operator, keys in block.items()
        }
    return result


def _condition_values(values: Any, unknowns: tuple[Unknown, ...], accounts: StandIns, operator: str,
                      min_length: int) -> Any:
    items = values if isinstance(values, list) else [values]
    result: list[Any] = []
    for value in items:
        result.extend(_expand(value, unknowns, accounts, operator, min_length) if has_marker(value) else [value])
    return result if isinstance(values, list) or len(result) != 1 else result[0]


def _expand(value: str, unknowns: tuple[Unknown, ...], accounts: StandIns, operator: str, min_length: int
            ) -> list[str]:
    """Every string ``value`` can stand for, as far as the analysis needs to tell them apart."""
    match = MARKER.search(value)
    if match is None:
        return [value]
    unknown = unknowns[int(match.group(1))]
    head, tail = value[:match.start()], value[match.end():]
    if unknown.allowed_values:
        choices = list(unknown.allowed_values)
    elif _pinned(unknown, operator, min_length):
        # One agreed value of at least the length the parameter demands: what the engine needs to
        # know is only that it is fixed, long enough and no wildcard.
        name = re.sub(r"[^A-Za-z0-9]", "", unknown.reason.rsplit(" ", 1)[-1]) or "value"
        choices = [(f"{name}-" + "x" * (unknown.min_length or 0))[:max(unknown.min_length or 0, len(name) + 1)]]
    elif _reads_wildcards(operator):
        choices = ["*"]
    else:
        choices = [accounts.value(int(match.group(1)))]
    return [expanded for choice in choices
            for expanded in _expand(head + choice + tail, unknowns, accounts, operator, min_length)]


def _pinned(unknown: Unknown, operator: str, min_length: int) -> bool:
    if unknown.min_length is None or unknown.min_length < min_length:
        return False
    if not _reads_wildcards(operator):
        return True
    if unknown.pattern is None:
        return False
    try:
        return re.fullmatch(unknown.pattern, "*" * unknown.min_length) is None and \
            re.fullmatch(unknown.pattern, "?" * unknown.min_length) is None
    except re.error:
        return False


def _reads_wildcards(operator: str) -> bool:
    base = operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:").removesuffix("IfExists")
    return base in _WILDCARD_OPERATORS


def _everywhere(value: Any, replacement: Any) -> Any:
    if isinstance(value, str):
        return MARKER.sub(lambda m: str(replacement(int(m.group(1)))), value)
    if isinstance(value, dict):
        return {_everywhere(k, replacement): _everywhere(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_everywhere(v, replacement) for v in value]
    return value


def reasons(document: Any, unknowns: tuple[Unknown, ...]) -> list[str]:
    """What the markers in ``document`` stand for, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in _strings(document):
        for match in MARKER.finditer(text):
            seen[unknowns[int(match.group(1))].reason] = None
    return list(seen)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
