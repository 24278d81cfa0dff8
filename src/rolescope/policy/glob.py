"""IAM wildcard matching (``*`` and ``?``), and deciding whether any string satisfies a set of them.

``StringLike`` matches the whole value; ``ArnLike``/``ArnEquals`` match each of the six ARN parts
separately, so a wildcard never crosses a colon before the resource part. The automaton search
(:func:`find_string`) is what makes the trust reasoning exact for string conditions: it decides
whether some value matches every pattern that must match and none that must not.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from rolescope.caches import memoized

# A character no policy literal contains: stands for "any other character" in searches, and marks
# values an outsider chose freely (an unknown ExternalId, an unknown GitHub owner...).
FRESH = "\ue000"
# What ``${*}`` and ``${?}`` (and wildcard characters a policy variable brings in) become in a pattern:
# the characters themselves, matched literally.
LITERAL_STAR, LITERAL_QUESTION = "\ue001", "\ue002"
_LITERALS = {LITERAL_STAR: "*", LITERAL_QUESTION: "?"}
_ARN_COLON_BOUND = 5


@memoized(65536)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(_LITERALS.get(char, char)))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """Whether ``text`` matches the IAM wildcard ``pattern`` as a whole."""
    if not ("*" in pattern or "?" in pattern or LITERAL_STAR in pattern or LITERAL_QUESTION in pattern):
        return pattern.lower() == text.lower() if ignore_case else pattern == text
    return _glob_regex(pattern, ignore_case).fullmatch(text) is not None


@memoized(4096)
def glob_any(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression whose ``fullmatch`` says whether a text matches any of the IAM wildcard
    ``patterns`` as a whole (:func:`glob_match` of each, in one call)."""
    if len(patterns) == 1:  # most statements name one resource: its expression is compiled already
        return _glob_regex(patterns[0], False)
    return re.compile("|".join(f"(?:{_glob_regex(p, False).pattern})" for p in patterns), re.DOTALL)


def arn_match(pattern: str, text: str) -> bool:
    """``ArnLike`` semantics: each of the six colon-separated parts is matched on its own."""
    pattern_parts = pattern.split(":", _ARN_COLON_BOUND)
    text_parts = text.split(":", _ARN_COLON_BOUND)
    if len(pattern_parts) < 6:
        return len(pattern_parts) == 1 and glob_match(pattern, text)
    if len(text_parts) < 6:
        return False
    return all(glob_match(p, t) for p, t in zip(pattern_parts, text_parts, strict=True))


@dataclass(frozen=True, slots=True)
class _Token:
    chars: frozenset[str] | None  # None: any character but ``excluded``
    star: bool
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled wildcard pattern for :func:`find_string`.

    Equality and hashing look at the tokens only; ``text``, ``regex`` and ``literal_chars`` are
    derived from them once, when the pattern is compiled (the regular expression on first use).
    """

    tokens: tuple[_Token, ...]
    text: str | None = field(default=None, compare=False, repr=False)  # the one string a plain literal matches
    regex: str | None = field(default=None, compare=False, repr=False)  # the same language, as a regex
    literal_chars: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # The automaton's moves, remembered as they are taken (searches and account walks retrace them).
    moves: dict[tuple[frozenset[int], str], frozenset[int]] = field(default_factory=dict, compare=False, repr=False)


def compile_pattern(pattern: str, *, wildcards: bool = True, ignore_case: bool = False,
                    arn: bool = False) -> Pattern:
    """Compile ``pattern`` for :func:`find_string` (compiled once: patterns are immutable and shared).

    Args:
        pattern: the policy value.
        wildcards: whether ``*``/``?`` are wildcards (``StringLike``) or plain characters.
        ignore_case: match letters in either case.
        arn: ARN semantics: wildcards before the resource part do not match ``:``.
    """
    return _compile(pattern, wildcards, ignore_case, arn)


@memoized(65536)
def _compile(pattern: str, wildcards: bool, ignore_case: bool, arn: bool) -> Pattern:
    tokens: list[_Token] = []
    parts: list[str] = []
    colons = 0
    arn_shaped = arn and pattern.count(":") >= _ARN_COLON_BOUND
    for char in pattern:
        if wildcards and char in "*?":
            token, part = _wildcard(char == "*", arn_shaped and colons < _ARN_COLON_BOUND)
        else:
            if char == ":":
                colons += 1
            token, part = _literal_token(_LITERALS.get(char, char), ignore_case)
        tokens.append(token)
        parts.append(part)
    single = all(t.chars is not None and len(t.chars) == 1 for t in tokens)
    text = "".join(next(iter(t.chars)) for t in tokens if t.chars is not None) if single else None
    literal_chars = frozenset().union(*(t.chars for t in tokens if t.chars is not None))
    return Pattern(tuple(tokens), text, "".join(parts), literal_chars)


@memoized(4096)
def _literal_token(char: str, ignore_case: bool) -> tuple[_Token, str]:
    """The token for one literal character, and its regular-expression form (tokens are shared)."""
    chars = frozenset({char.lower(), char.upper()} if ignore_case else {char})
    return _Token(chars, False), "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


@memoized(8)
def _wildcard(star: bool, no_colon: bool) -> tuple[_Token, str]:
    excluded = frozenset({":"}) if no_colon else frozenset()
    return _Token(None, star, excluded), ("[^:]" if no_colon else ".") + ("*" if star else "")


@memoized(1024)
def chosen_segment(prefix: str, separator: str) -> Pattern:
    """The strings that start with ``prefix`` and whose next segment (up to ``separator``, or the end)
    holds a :data:`FRESH` character: a segment an outsider chose (a GitHub owner after ``repo:``, an
    organisation id before the first ``/`` of an organisation path).

    A pattern that admits such a string leaves the segment open: replacing one character that a
    wildcard consumed there by :data:`FRESH` keeps the match and names a segment nobody else holds.
    """
    tokens = [_literal_token(char, False)[0] for char in prefix]
    tokens += [_Token(None, True, frozenset({separator})), _literal_token(FRESH, False)[0], _wildcard(True, False)[0]]
    regex = re.escape(prefix) + f"[^{re.escape(separator)}]*" + re.escape(FRESH) + ".*"
    return Pattern(tuple(tokens), None, regex, frozenset(prefix) | {FRESH})


@memoized(65536)
def _regex(source: str) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL)


def _closure(pattern: Pattern, positions: frozenset[int]) -> frozenset[int]:
    result = set(positions)
    stack = list(positions)
    while stack:
        position = stack.pop()
        if position < len(pattern.tokens) and pattern.tokens[position].star and position + 1 not in result:
            result.add(position + 1)
            stack.append(position + 1)
    return frozenset(result)


_MAX_MOVES = 4096  # remembered per pattern


def _step(pattern: Pattern, positions: frozenset[int], char: str) -> frozenset[int]:
    found = pattern.moves.get((positions, char))
    if found is None:
        found = _move(pattern, positions, char)
        if len(pattern.moves) < _MAX_MOVES:
            pattern.moves[(positions, char)] = found
    return found


def _move(pattern: Pattern, positions: frozenset[int], char: str) -> frozenset[int]:
    following: set[int] = set()
    for position in positions:
        if position == len(pattern.tokens):
            continue
        token = pattern.tokens[position]
        if token.chars is not None:
            if char in token.chars:
                following.add(position + 1)
        elif char not in token.excluded:
            following.add(position if token.star else position + 1)
    return _closure(pattern, frozenset(following))


def find_string(constraints: Sequence[tuple[Pattern, bool]], *, limit: int = 50_000) -> str | None:
    """A shortest string that matches every pattern paired with ``True`` and none paired with ``False``.

    Args:
        constraints: ``(pattern, must_match)`` pairs.
        limit: the most automaton states to explore before giving up.

    Returns:
        Such a string, or ``None`` when none exists. Past ``limit`` states it returns
        :data:`FRESH`-based text without proof; callers treat that as "possibly satisfiable".
    """
    patterns = [pattern for pattern, _ in constraints]
    wanted = [must for _, must in constraints]
    text = next((p.text for p, must in constraints if must and p.text is not None), None)
    if text is not None:
        # A plain literal that must match admits one string: the search could only find that one.
        return text if all(pattern_matches(p, text) == must for p, must in constraints) else None
    alphabet = _alphabet(tuple([p.literal_chars for p in patterns]))
    start = tuple(_closure(p, frozenset({0})) for p in patterns)
    ends = [len(p.tokens) for p in patterns]
    rows = list(zip(patterns, wanted, strict=True))

    parents: dict[tuple[frozenset[int], ...], tuple[tuple[frozenset[int], ...], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for end, positions, must in zip(ends, state, wanted, strict=True):
            if (end in positions) != must:
                break
        else:
            chars: list[str] = []
            cursor: tuple[frozenset[int], ...] | None = state
            while cursor is not None and parents[cursor] is not None:
                parent, char = parents[cursor]  # type: ignore[misc]
                chars.append(char)
                cursor = parent
            return "".join(reversed(chars))
        if len(parents) > limit:
            return FRESH
        for char in _useful(alphabet, patterns, wanted, state):
            following: list[frozenset[int]] = []
            # A pattern that must match and has no position left ends this branch: the patterns after
            # it need not move.
            for (pattern, must), positions in zip(rows, state, strict=True):
                moved = _step(pattern, positions, char)
                if must and not moved:
                    break
                following.append(moved)
            else:
                reached = tuple(following)
                if reached not in parents:
                    parents[reached] = (state, char)
                    queue.append(reached)
    return None


@memoized(4096)  # the same patterns meet in many searches; their character sets hash once
def _alphabet(literal_chars: tuple[frozenset[str], ...]) -> tuple[str, ...]:
    """The characters a search tries, in order: the patterns' own, ``:`` and :data:`FRESH`."""
    return tuple(sorted(frozenset({FRESH, ":"}).union(*literal_chars)))


def _useful(alphabet: tuple[str, ...], patterns: list[Pattern], wanted: list[bool],
            state: tuple[frozenset[int], ...]) -> Sequence[str]:
    """The characters of ``alphabet`` (in order) that keep every must-match pattern alive from ``state``.

    Any other character leaves some pattern that must match with no position, a state the search
    discards anyway: skipping it up front changes nothing but the time spent.
    """
    allowed: set[str] | None = None
    for pattern, positions, must in zip(patterns, state, wanted, strict=True):
        if not must:
            continue
        chars: set[str] = set()
        tokens = pattern.tokens
        for position in positions:
            if position == len(tokens):
                continue
            token_chars = tokens[position].chars
            if token_chars is None:
                break  # a wildcard here: this pattern keeps any character but its exclusions
            chars.update(token_chars)
        else:
            allowed = chars if allowed is None else allowed & chars
    if allowed is None:
        return alphabet
    # A literal token's characters are among the patterns' own, so all of them are in the alphabet,
    # which is sorted: sorting them gives the alphabet's order.
    return sorted(allowed)


def advance(pattern: Pattern, text: str, positions: frozenset[int] | None = None) -> frozenset[int]:
    """The automaton positions of ``pattern`` after reading ``text`` from ``positions`` (default: the start).

    Two prefixes that leave a pattern in the same positions are matched alike whatever follows them;
    :func:`accepts` tells whether the positions accept.
    """
    current = _closure(pattern, frozenset({0})) if positions is None else positions
    for char in text:
        if not current:
            break
        current = _step(pattern, current, char)
    return current


def accepts(pattern: Pattern, positions: frozenset[int]) -> bool:
    """Whether ``positions`` (from :func:`advance`) are an accepting state of ``pattern``."""
    return len(pattern.tokens) in positions


def pattern_matches(pattern: Pattern, text: str) -> bool:
    """Whether ``text`` matches a compiled pattern (the automaton's language, as a regular expression)."""
    if pattern.text is not None:
        return text == pattern.text
    if pattern.regex is not None:
        return _regex(pattern.regex).fullmatch(text) is not None
    return accepts(pattern, advance(pattern, text))
