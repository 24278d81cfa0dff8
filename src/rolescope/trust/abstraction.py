"""Which names in a trust policy its analysis reads only through equality and order.

:mod:`rolescope.trust.canonical` shares one search among policies that differ only in such names.
This module decides, for one parsed policy and whatever the zone, which names qualify:

* **account ids**, the role's own and every other one: the search compares them for equality,
  sorts them, asks whether each belongs to the organisation, and reads their digits in condition
  values only through wildcard automata. They qualify when no condition reads a caller's account
  through a pattern (:func:`rolescope.trust.accounts.account_patterns` finds none), every id stands
  alone (twelve digits between non-digits) and, on every condition key that carries an id, the
  automaton search never has to choose a character to fill a wildcard: :func:`_digits_only_compared`.
  That choice takes the smallest character of the policy's alphabet, which may be an account's digit,
  so only there could the digits' values (not their equality) show in an answer;
* **principal names** (roles, users, SAML providers) when no condition reads ``aws:PrincipalArn``
  and no session principal could stand for a named role: the search only matches a caller against
  them and sorts them;
* **OIDC issuers** (``oidc.eks.<region>.amazonaws.com/id/<cluster>``, any issuer but the public
  identity providers) when each is written one way and no condition value names it: they are
  matched by equality and sorted, as part of condition keys and provider ARNs;
* **unique ids** of deleted principals, which no caller ever matches;
* **an organisation path** read as a prefix (``StringLike aws:PrincipalOrgPaths "o-../r-../ou-../*"``),
  when it is the key's only value;
* **literal values** of keys read only for equality (ExternalIds, OIDC subjects, source ARNs...).

Anything else stays literal in the template's key.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rolescope.caches import memoized
from rolescope.policy.arn import parse_arn
from rolescope.policy.glob import FRESH
from rolescope.policy.model import Condition, Effect, PolicyDocument, Principal, PrincipalKind, Statement
from rolescope.policy.parse import PUBLIC_IDPS
from rolescope.policy.qualifier import Qualifier
from rolescope.records import quick_init
from rolescope.trust.accounts import ACCOUNT_KEYS, account_patterns
from rolescope.trust.providers import PUBLIC_PROVIDERS
from rolescope.trust.subjects import names_owners

ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
PRIVATE = re.compile("[\ue000-\uf8ff]")  # the search's markers and the templates' placeholders
AWS_PREFIXES = ("aws:", "sts:", "saml:", "iam:")
ORG_PATHS = "aws:principalorgpaths"
# Condition keys whose literal values the search only compares for equality (no caller identity
# fixes them): ExternalIds, source ARNs, SAML and OIDC claims (keys outside the AWS prefixes).
RENAMEABLE = frozenset({"sts:externalid", "aws:sourcearn"})
_EQUALITY = frozenset({"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
                       "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_ARN_FAMILY = frozenset({"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_RESERVED = re.compile("[\ue000-\uf8ff*?]|\\$\\{")  # search markers, wildcards, policy variables
_STAR_BY_DIGIT = re.compile(r"\d[*?]|[*?]\d")
_SPELLED_ROOTLESS = re.compile(r"arn:[^:]*:iam::\d{12}:")
# Keys whose caller-side constraints are patterns or literals of their own (beyond "any value" and
# "a value the caller chose"): a wildcard value there could meet them in ways not checked here.
_OWN_SHAPES = ("aws:principalorgid", "aws:principalorgpaths")
_NAME = re.compile(r"[\w+=,.@/-]+", re.ASCII)  # IAM names and paths
_HOST = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+(/[a-z0-9._~-]+)*", re.ASCII | re.IGNORECASE)
_ORG_PATH = re.compile(r"o-[a-z0-9]+/r-[a-z0-9]+(/ou-[a-z0-9]+-[a-z0-9]+)*/", re.ASCII)
_NO_KEYS: frozenset[str] = frozenset()
_NAMED_KINDS = (PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.SAML_PROVIDER)
# Read once per document or more: an enum member read through its class costs a slow attribute lookup.
_ACCOUNT_KIND, _ASSUMED_ROLE, _ROLE = PrincipalKind.ACCOUNT, PrincipalKind.ASSUMED_ROLE, PrincipalKind.ROLE
_OIDC_PROVIDER, _UNIQUE_ID = PrincipalKind.OIDC_PROVIDER, PrincipalKind.UNIQUE_ID
_ALLOW, _UNQUALIFIED = Effect.ALLOW, Qualifier.NONE


@quick_init
@dataclass(frozen=True, slots=True)
class Abstraction:
    """The names of one policy that a template may replace with placeholders.

    Attributes:
        accounts: the account ids the policy mentions, sorted, when ids may be abstracted (the
            role's own account then too); ``None`` keeps every id literal.
        residue: the policy's texts (principals, condition values and keys) with every standalone id
            blanked out: an account whose digits appear here appears otherwise than as an id, and
            stays literal.
        names: the principal values (role, user and SAML provider ARNs) renamed, sorted.
        sessions: per name, the session ARN the search gives a caller of that role (else ``None``).
        hosts: the OIDC issuers renamed, lower-cased, sorted; ``written``: each as the policy writes it.
        unique_ids: the unique ids of deleted principals, sorted.
        org_path: the organisation path prefix renamed, if any.
        value_keys: the condition keys whose literal values are renamed.
    """

    accounts: tuple[str, ...] | None
    residue: str
    names: tuple[str, ...]
    sessions: tuple[str | None, ...]
    hosts: tuple[str, ...]
    written: tuple[str, ...]
    unique_ids: tuple[str, ...]
    org_path: str | None
    value_keys: frozenset[str]


def abstraction(policy: PolicyDocument) -> Abstraction:
    """What in ``policy`` its analysis reads only through equality and order (see the module docs).

    Args:
        policy: the parsed trust policy.

    Returns:
        The names a template may abstract.
    """
    principals: list[Principal] = []
    conditions: list[tuple[Statement, Condition]] = []
    for statement in policy.statements:
        if statement.principals:
            principals.extend(statement.principals)
        if statement.not_principals:
            principals.extend(statement.not_principals)
        if statement.conditions:
            conditions.extend([(statement, c) for c in statement.conditions])
    values = [v for _, c in conditions for v in c.values]
    named = [p.value for p in principals if p.kind is not _UNIQUE_ID]
    keys = [c.key for _, c in conditions]
    accounts = _accounts(policy, principals, conditions, named, values, keys)
    residue = accounts[1]
    if not conditions:
        names, sessions = _names(principals, keys, "")
        hosts, written = _hosts(principals, conditions, "")
        org_path, value_keys = None, _NO_KEYS
    else:
        spelled = "\n".join([v.lower() for v in values])
        names, sessions = _names(principals, keys, spelled)
        hosts, written = _hosts(principals, conditions, spelled)
        org_path = _org_path(conditions, values) if ORG_PATHS in keys else None
        value_keys = _value_keys(conditions)
    unique_ids = tuple(sorted({p.value for p in principals if p.kind is _UNIQUE_ID})) if len(
        named) < len(principals) else ()
    return Abstraction(accounts[0], residue, names, sessions, hosts, written, unique_ids, org_path, value_keys)


def _residue(texts: list[str]) -> str:
    """``texts``, joined by newlines, with every standalone id blanked out.

    Each text on its own: a newline is no digit, so no id spans two texts and blanking each is
    blanking the whole.
    """
    return "\n".join(map(_blanked, texts))


@memoized(16384)
def _blanked(text: str) -> str:
    """``text`` with every standalone id blanked out: principal ARNs and condition keys recur in many
    policies, each blanked once."""
    return rename_runs(text, _blank)


def _blank(account: str) -> str:
    del account
    return " "


def _accounts(policy: PolicyDocument, principals: list[Principal], conditions: list[tuple[Statement, Condition]],
              named: list[str], values: list[str], keys: list[str]) -> tuple[tuple[str, ...] | None, str]:
    """The account ids to abstract (see :class:`Abstraction`), and the residue. ``keys``: each
    condition's key, in the order of ``conditions``."""
    texts = named + values + keys
    residue = _residue(texts)
    if not residue.isascii() and PRIVATE.search(residue):  # blanking ids adds none; ASCII holds none
        return None, residue
    if conditions:
        for key in keys:
            if runs(key):  # keys stay literal: an id in one (an issuer's, say) would not be renamed with the rest
                return None, residue
        if not ACCOUNT_KEYS.keys().isdisjoint(keys) and account_patterns(policy, "aws"):
            return None, residue
    mentioned = {p.account for p in principals if p.account}
    in_values = [run for value in values for run in runs(value)] if values else []
    mentioned.update(in_values)
    for name in named:
        if not mentioned.issuperset(runs(name)):
            return None, residue  # twelve digits in a name that the search does not know as an account
    for account in mentioned:
        if account in residue:
            return None, residue
    if in_values or "aws:principalarn" in keys:
        named_arns = [p.value.lower() for p in principals if p.arn and p.kind is not _ACCOUNT_KIND]
        by_key: dict[str, list[tuple[Statement, Condition]]] = {}
        for statement, condition in conditions:
            by_key.setdefault(condition.key, []).append((statement, condition))
        for key, entries in by_key.items():
            bearing = key == "aws:principalarn" or any(runs(v) for _, c in entries for v in c.values)
            if bearing and not _digits_only_compared(key, entries, named_arns):
                return None, residue
    return tuple(sorted(mentioned)), residue


def _digits_only_compared(key: str, entries: list[tuple[Statement, Condition]], named_arns: list[str]) -> bool:
    """Whether the search reads the account digits in this key's values only for equality.

    The automaton search answers with the shortest satisfying string, ties broken by the smallest
    characters. With plain values, and at most one wildcard value per search (each ``*`` away from
    digits, no ``?``), the shortest string is the wildcard value with its stars empty, or with the
    search's own marker in one of them: unique, or told apart from the others by characters that
    are not digits. A plain value equal to that shortest string (or the empty string, or an account
    ARN with nothing after the account, for ``aws:PrincipalArn``) would make the search pick a
    filler character instead, maybe a digit: such keys keep their ids literal.
    """
    literals: list[str] = []
    wild: list[tuple[Statement, Condition, str]] = []
    for statement, condition in entries:
        if condition.operator == "Null":
            continue
        if not condition.family.compares_text or condition.variables:
            return False  # numbers and dates compare digits by value
        for value in condition.values:
            if not value:
                return False
            if condition.family.wildcards and ("*" in value or "?" in value):
                wild.append((statement, condition, value))
            else:
                literals.append(value.lower())
    if key == "aws:principalarn" and any(_SPELLED_ROOTLESS.fullmatch(v) for v in literals):
        return False
    if not wild:
        return True
    if not key.startswith(AWS_PREFIXES) or key in _OWN_SHAPES:
        return False  # the exposure searches add patterns of their own to these keys
    if len(wild) > 1:
        statement, condition, _ = wild[0]
        # Several wildcard values: only one at a time may enter a search, as the alternatives of a
        # single condition an Allow statement must meet.
        if statement.effect is not _ALLOW or condition.negated or any(
                s is not statement or c is not condition for s, c, _ in wild):
            return False
    if any("?" in value or _STAR_BY_DIGIT.search(value) for _, _, value in wild):
        return False
    shortest = {value.replace("*", "").lower() for _, _, value in wild}
    if any(value in shortest for value in literals):
        return False
    return key != "aws:principalarn" or not any(arn in shortest for arn in named_arns)


def _names(principals: list[Principal], condition_keys: list[str], spelled: str
           ) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The role, user and SAML provider ARNs to rename: all of them, or none. ``condition_keys``: each
    condition's key; ``spelled``: the condition values, lower-cased."""
    named = {p.value: p for p in principals if p.kind in _NAMED_KINDS}
    if not named or any([p.kind is _ASSUMED_ROLE for p in principals]):
        return (), ()  # a session's role is matched against role principals by name
    if "aws:principalarn" in condition_keys:
        return (), ()
    keys = "\n".join(condition_keys)
    ordered = sorted(named)
    sessions: list[str | None] = []
    lowered: set[str] = set()
    role_names: set[str] = set()
    for value in ordered:
        principal = named[value]
        arn = parse_arn(value)
        if arn is None or principal.arn != value or principal.account is None or "/" not in arn.resource:
            return (), ()
        resource = arn.resource.split("/", 1)[1].lower()
        # An ASCII IAM name (the parser checked the rest of the ARN), spelled nowhere else: the
        # search could read it there.
        if not resource or not _NAME.fullmatch(resource) or resource in spelled or resource in keys:
            return (), ()
        if value.lower() in lowered:
            return (), ()  # two spellings of one principal: matched alike, ignoring case
        lowered.add(value.lower())
        session = None
        if principal.kind is _ROLE:
            name = arn.resource_name
            if name.lower() in role_names:
                return (), ()  # two roles, one session name
            role_names.add(name.lower())
            session = f"arn:{principal.partition}:sts::{principal.account}:assumed-role/{name}/{FRESH}"
        sessions.append(session)
    return tuple(ordered), tuple(sessions)


@memoized(4096)
def issuer_host(key_as_written: str) -> str | None:
    """The issuer a condition key belongs to (``oidc.eks...`` in ``oidc.eks.../id/X:sub``), if any."""
    if key_as_written.lower().startswith(AWS_PREFIXES) or ":" not in key_as_written:
        return None
    host = key_as_written.rsplit(":", 1)[0]
    return host if "." in host.split("/", 1)[0] else None


def with_issuer(key: str, issuers: Mapping[str, str]) -> str:
    """A condition key (``<issuer>:<claim>``, lower-cased) with its issuer replaced as ``issuers`` says."""
    if issuers and ":" in key:
        host, claim = key.rsplit(":", 1)
        if host in issuers:
            return f"{issuers[host]}:{claim}"
    return key


def _hosts(principals: list[Principal], conditions: list[tuple[Statement, Condition]], spelled: str
           ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The OIDC issuers to rename: all private ones, or none. ``spelled``: the condition values, lower-cased."""
    found = {p.value.split(":oidc-provider/", 1)[1] for p in principals
             if p.kind is _OIDC_PROVIDER and ":oidc-provider/" in p.value}
    for _, c in conditions:
        host = issuer_host(c.key_as_written)
        if host is not None:
            found.add(host)
    if not found:
        return (), ()
    written: dict[str, str] = {}
    for host in found:
        lower, kind = _issuer(host)
        if kind is _KEPT:
            continue  # kept as written: the issuer decides how its subjects are read
        if kind is _ODD or lower in written or lower in spelled:
            return (), ()  # two spellings of one issuer, an odd one, or one a condition value names
        written[lower] = host
    ordered = sorted(written)
    if any(b.startswith(a) for a, b in itertools.pairwise(ordered)):
        return (), ()  # one issuer a prefix of another: keys would not sort as the issuers do
    return tuple(ordered), tuple(written[h] for h in ordered)


_KEPT, _ODD, _RENAMEABLE = "kept", "odd", "renameable"


@memoized(4096)
def _issuer(host: str) -> tuple[str, str]:
    """An issuer lower-cased, and what :func:`_hosts` may do with it whatever the policy: keep it as
    written (public, or its subjects name owners), give up on renaming (an odd spelling, an id in
    it), or rename it."""
    lower = host.lower()
    if lower in PUBLIC_IDPS or lower in PUBLIC_PROVIDERS or names_owners(lower):
        return lower, _KEPT
    if not _HOST.fullmatch(host) or ACCOUNT.search(host):
        return lower, _ODD
    return lower, _RENAMEABLE


def _org_path(conditions: list[tuple[Statement, Condition]], values: list[str]) -> str | None:
    """The organisation path prefix to rename: the single ``StringLike "<path>/*"`` value of the key."""
    on_key = [(s, c) for s, c in conditions if c.key == ORG_PATHS]
    if not on_key:
        return None
    found = {v for _, c in on_key for v in c.values}
    if len(found) != 1:
        return None
    value = next(iter(found))
    if any(s.effect is not _ALLOW or c.operator != "StringLike" or c.variables for s, c in on_key):
        return None
    prefix = value[:-1]
    if not value.endswith("*") or not _ORG_PATH.fullmatch(prefix) or ACCOUNT.search(prefix):
        return None
    if sum(prefix in v for v in values) != sum(len(c.values) for _, c in on_key):
        return None  # spelled in another key's values too
    return prefix


def _value_keys(conditions: list[tuple[Statement, Condition]]) -> frozenset[str]:
    """Keys whose every condition is a plain equality (or ``Null``) on literal values."""
    found: dict[str, bool] = {}
    for _, c in conditions:
        if found.get(c.key, True):
            found[c.key] = _renameable_key(c.key) and c.qualifier is _UNQUALIFIED and not c.variables and (
                c.operator == "Null" or (c.operator in _EQUALITY and all([_literal(c, v) for v in c.values])))
    return frozenset(key for key, renameable in found.items() if renameable)


@memoized(65536)
def runs(value: str) -> tuple[str, ...]:
    """The standalone twelve-digit runs (account ids, as the search reads them) in ``value``."""
    return tuple(ACCOUNT.findall(value))


def rename_runs(value: str, rename: Callable[[str], str]) -> str:
    """``value`` with each standalone twelve-digit run replaced by ``rename(run)``: ``ACCOUNT.sub``, but
    a plain replace in the common case of one run written once, found through the memoised :func:`runs`."""
    found = runs(value)
    if not found:
        return value
    if len(found) == 1 and value.count(found[0]) == 1:  # its only occurrence is the standalone one
        return value.replace(found[0], rename(found[0]))
    return ACCOUNT.sub(lambda m: rename(m.group(0)), value)


def _renameable_key(key: str) -> bool:
    return key in RENAMEABLE or key.startswith("saml:") or not key.startswith(AWS_PREFIXES)


def _literal(condition: Condition, value: str) -> bool:
    """Whether ``value`` of ``condition`` is compared only for equality: nothing the search reads in it."""
    if not value:
        return False
    if value.isascii():  # no private-use character: the three ASCII markers tell what _RESERVED would
        if "*" in value or "?" in value or "${" in value:
            return False
    elif _RESERVED.search(value):
        return False
    # ArnLike never matches a value of two to five parts: not plain equality there.
    return condition.operator not in _ARN_FAMILY or not 0 < value.count(":") < 5
