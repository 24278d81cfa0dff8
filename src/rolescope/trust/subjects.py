"""Which OIDC subjects an outsider can obtain, issuer by issuer, and readable examples of them.

A subject confines callers only when every subject it admits belongs to one *owner unit* that the
role's owner holds: the GitHub account after ``repo:`` (up to ``/``), the GitLab top-level group after
``project_path:``, the Terraform Cloud organisation after ``organization:``; for other issuers, the
whole subject. Anybody can register a new owner, so a pattern that leaves any character of the owner
to a wildcard (``repo:octo-org*`` admits ``repo:octo-org-evil/x``) admits an outsider.

The subjects an outsider obtains are described as *alternatives*, each a conjunction of wildcard
constraints for :func:`rolescope.policy.glob.find_string`, so the trust search decides exactly whether
a statement admits one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rolescope.caches import memoized
from rolescope.policy.evaluate import statement_applies
from rolescope.policy.glob import FRESH, Pattern, chosen_segment, compile_pattern, glob_match
from rolescope.policy.model import Statement
from rolescope.policy.request import Request
from rolescope.trust.keyspace import ANY_FRESH

Constraints = tuple[tuple[Pattern, bool], ...]


@dataclass(frozen=True, slots=True)
class OwnerClaim:
    """A subject that starts with ``prefix`` names its owner next, up to ``separator``."""

    prefix: str
    separator: str


@dataclass(frozen=True, slots=True)
class SubjectGrammar:
    """How an issuer's subjects name their owner.

    Attributes:
        owner_claims: the ways a subject may start by naming its owner.
        owner_picks_claims: the owner chooses which claims make up the subject (GitHub's subject
            customisation), so a subject that does not start with an owner claim is anybody's.
        samples: subject shapes tried first for examples (``{x}`` where the outsider chooses).
        sample_avoid: shapes no example should take (a GitHub repository name holds no ``/``).
    """

    owner_claims: tuple[OwnerClaim, ...] = ()
    owner_picks_claims: bool = False
    samples: tuple[str, ...] = ()
    sample_avoid: tuple[str, ...] = ()

    def outsider_subjects(self) -> tuple[Constraints, ...]:
        """The subjects an outsider can obtain, as alternatives (see the module docs)."""
        return _outsider_subjects(self)

    def sample_constraints(self) -> tuple[Constraints, ...]:
        avoid = tuple((compile_pattern(shape), False) for shape in self.sample_avoid)
        return tuple(((compile_pattern(sample.replace("{x}", FRESH)), True), *avoid) for sample in self.samples)


def _outsider_subjects(grammar: SubjectGrammar) -> tuple[Constraints, ...]:
    if not grammar.owner_claims:
        return (((ANY_FRESH, True),),)  # only a subject with no wildcard at all confines
    found: list[Constraints] = [((chosen_segment(c.prefix, c.separator), True),) for c in grammar.owner_claims]
    if grammar.owner_picks_claims:
        # Any other claim first (``workflow:``, ``environment:``...): the outsider sets it in their own
        # repositories, whatever its value.
        others: list[tuple[Pattern, bool]] = [(compile_pattern("?*:*"), True)]
        others += [(compile_pattern(c.prefix + "*"), False) for c in grammar.owner_claims]
        found.append(tuple(others))
    return tuple(found)


# GitHub: the default subject is repo:OWNER/REPO:<context>; an owner may choose the claims that make up
# the subject of their own repositories (include_claim_keys). The claims below name an owner (an
# account, a user, an enterprise) that nobody else can take; any other claim is the outsider's to set.
_GITHUB = SubjectGrammar(
    owner_claims=tuple(OwnerClaim(prefix, separator) for prefix, separator in (
        ("repo:", "/"), ("repository:", "/"), ("workflow_ref:", "/"), ("job_workflow_ref:", "/"),
        ("repository_owner:", ":"), ("repository_owner_id:", ":"), ("actor:", ":"), ("actor_id:", ":"),
        ("enterprise:", ":"), ("enterprise_id:", ":"))),
    owner_picks_claims=True,
    samples=("repo:*{x}/{x}:ref:refs/heads/main", "repo:*{x}/*:ref:refs/heads/main", "workflow:{x}"),
    sample_avoid=("repo:*/*/*:ref:refs/heads/main",),
)
# GitLab: project_path:GROUP[/SUBGROUP...]/PROJECT:ref_type:branch|tag:ref:NAME; anyone may create a
# top-level group, subgroups only inside their own.
_GITLAB = SubjectGrammar(
    owner_claims=(OwnerClaim("project_path:", "/"),),
    samples=("project_path:*{x}/{x}:ref_type:branch:ref:main", "project_path:*{x}/*:ref_type:branch:ref:main"),
)
# Terraform Cloud: organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:plan|apply.
_TERRAFORM = SubjectGrammar(
    owner_claims=(OwnerClaim("organization:", ":"),),
    samples=("organization:*{x}:project:{x}:workspace:{x}:run_phase:apply", "organization:*{x}:*:run_phase:apply"),
)
_WHOLE_SUBJECT = SubjectGrammar()

_BY_HOST = {"token.actions.githubusercontent.com": _GITHUB, "gitlab.com": _GITLAB, "app.terraform.io": _TERRAFORM}


@memoized(16384)  # the same subjects come back in many policies
def subject_class(key: str, value: str) -> tuple[int, bool] | None:
    """What the analysis reads in a literal value of ``key`` when it is an OIDC subject whose issuer
    names owners: the owner claim it starts with (``-1``: none) and whether it starts with some claim.
    Two literal subjects of one class are judged alike (templates may share one analysis for them)."""
    host, _, claim = key.rpartition(":")
    if claim != "sub" or not host:
        return None
    grammar = grammar_for(host)
    if not grammar.owner_claims:
        return None
    owner = next((i for i, c in enumerate(grammar.owner_claims) if value.startswith(c.prefix)), -1)
    return owner, grammar.owner_picks_claims and glob_match("?*:*", value)


def names_owners(host: str) -> bool:
    """Whether the issuer's subjects name an owner (its name then matters to the analysis)."""
    return bool(grammar_for(host).owner_claims)


def grammar_for(host: str) -> SubjectGrammar:
    """The subject grammar of an OIDC issuer (lower-cased host and path, as in condition keys).

    GitHub Enterprise Cloud's own issuer (``token.actions.githubusercontent.com/<enterprise>``) and
    GitHub Enterprise Server's (``<host>/_services/token``) issue GitHub subjects; a self-managed GitLab
    is known by ``gitlab`` in its host name. Any other issuer: only the whole subject confines.
    """
    known = _BY_HOST.get(host)
    if known is not None:
        return known
    if host.startswith("token.actions.githubusercontent.com/") or host.endswith("/_services/token"):
        return _GITHUB
    if "gitlab" in host.split("/", 1)[0].split("."):
        return _GITLAB
    return _WHOLE_SUBJECT


_FRESH_RUN = re.compile(f"{FRESH}+")


def readable(allow: Statement, denies: Sequence[Statement], request: Request, key: str) -> Request:
    """``request`` with what the outsider chose in ``key`` spelled out (``repo:octo-org-evil/evil:...``),
    when ``allow`` still allows it so and none of ``denies`` (every Deny that could apply to its
    caller) stops it; else ``request`` as it is (the reports show ``<any>``)."""
    values = request.context.get(key)
    if not values or not any(FRESH in v for v in values):
        return request
    for word in ("evil", "x"):
        def spell(match: re.Match[str], word: str = word) -> str:
            before = match.string[match.start() - 1] if match.start() else ""
            return f"-{word}" if before.isalnum() and word != "x" else word
        context = dict(request.context)
        context[key] = tuple(_FRESH_RUN.sub(spell, v) for v in values)
        candidate = Request(request.caller, request.action, context)
        if statement_applies(allow, candidate) and not any(statement_applies(d, candidate) for d in denies):
            return candidate
    return request
