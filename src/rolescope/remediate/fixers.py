"""One fixer per check that a trust-policy edit can close, and why the others cannot be closed that way.

A fixer reads the role's current analysis, edits a copy of the policy (:mod:`rolescope.remediate.edit`)
on exactly the statements the finding is about, and says what it did. It never decides whether the
edit is safe: the planner re-checks every result with the engine (:mod:`rolescope.remediate.verify`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from rolescope.checks.context import catalogue_parameter
from rolescope.checks.finding import Finding
from rolescope.checks.weak_external_id import default_minimum, weakness
from rolescope.policy.arn import ORG_ID, ORG_ID_SHAPE, parse_arn
from rolescope.policy.model import Effect, PrincipalKind
from rolescope.remediate.edit import (
    JsonObject,
    add_condition,
    copy_document,
    isolate,
    principal_entries,
    remove_condition,
    remove_principals,
    statement,
)
from rolescope.remediate.errors import Unfixable
from rolescope.remediate.source_arns import arns_for, check_source_arn
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.providers import PUBLIC_PROVIDERS
from rolescope.trust.witness import Scope

EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
Guard = Literal["external-id", "mfa"]


def new_external_id() -> str:
    """A fresh ExternalId: 128 random bits as 32 hexadecimal characters (``secrets``): as long as the
    longest minimum the weak-external-id check may be configured with, so it never fires on it."""
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class FixOptions:
    """What the user decided for the fixes that need a decision.

    Attributes:
        guard: what a cross-account path must require: an ExternalId (third parties, machines) or
            MFA (people).
        external_id: the ExternalId to require (``--external-id``); a fresh one per role when unset.
        mfa_max_age: with ``guard="mfa"``, also require ``aws:MultiFactorAuthAge`` below this many seconds.
        oidc_subjects: the token subjects an OIDC trust must be pinned to (never guessed).
        saml_audiences: the ``SAML:aud`` values a SAML trust must require (never guessed).
        org_id: the organisation a ``"*"`` principal is narrowed to (else the scan's).
        source_arns: the resources a service principal may act for (``--source-arn``), each required
            with ``ArnLike aws:SourceArn`` for the service principals of its service; the others get
            ``aws:SourceAccount``.
        generate: makes a fresh ExternalId (injected for reproducible tests).
        min_external_id_length: the weak-external-id check's minimum, which a given ExternalId must meet
            and the re-check of every corrected policy applies.
        min_external_id_pattern_literals: what an ExternalId pattern must fix to count as a requirement,
            as the scan judged it (see :mod:`rolescope.trust.external_ids`).
        max_session_seconds: what a cross-account role's ``MaxSessionDuration`` is lowered to (the
            long-session check's threshold).
    """

    guard: Guard = "external-id"
    external_id: str | None = None
    mfa_max_age: int | None = None
    oidc_subjects: tuple[str, ...] = ()
    saml_audiences: tuple[str, ...] = ()
    org_id: str | None = None
    source_arns: tuple[str, ...] = ()
    generate: Callable[[], str] = field(default=new_external_id, compare=False)
    min_external_id_length: int = field(default_factory=default_minimum)
    min_external_id_pattern_literals: int = field(default_factory=catalogue_parameter(
        "weak-external-id", "min_external_id_pattern_literals"))
    max_session_seconds: int = field(default_factory=catalogue_parameter(
        "long-session-cross-account-role", "max_session_seconds"))

    def __post_init__(self) -> None:
        """Every value the user chose is checked here, before it can reach a policy.

        Raises:
            Unfixable: an ExternalId, organisation id or SAML audience IAM would take but that would
                lock the role (or that rolescope's own checks would report).
        """
        if self.external_id is not None:
            check_external_id(self.external_id, self.min_external_id_length)
        if self.org_id is not None:
            check_org_id(self.org_id, "--org-id")
        for audience in self.saml_audiences:
            check_saml_audience(audience)
        for source_arn in self.source_arns:
            check_source_arn(source_arn)


@dataclass(slots=True)
class RoleFixContext:
    """Per-role state shared by the fixers: one ExternalId per role, created when first needed."""

    options: FixOptions
    _external_id: str | None = None

    @property
    def external_id(self) -> str:
        if self._external_id is None:
            self._external_id = self.options.external_id or self.options.generate()
        return self._external_id



@dataclass(frozen=True, slots=True)
class FixStep:
    """What one fixer did.

    Attributes:
        check: the check it closes.
        document: the corrected policy.
        description: one sentence for the plan.
        notify: outside accounts (``*`` for any organisation account) that must be told a new ExternalId.
        warnings: things the reviewer should know.
    """

    check: str
    document: JsonObject
    description: str
    notify: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    external_id: str | None = None


Fixer = Callable[[JsonObject, TrustAnalysis, list[Finding], RoleFixContext], FixStep]


def _outside_aws(analysis: TrustAnalysis) -> Callable[[str, str], bool]:
    """Picks principals of other accounts, and ``*``: the ones a cross-account guard belongs on."""
    own = analysis.zone.account_id

    def chosen(key: str, value: str) -> bool:
        if key == "*" or (key == "AWS" and value == "*"):
            return True
        if key != "AWS":
            return False
        if re.fullmatch(r"\d{12}", value):
            return value != own
        arn = parse_arn(value)
        return arn is not None and arn.account != own

    return chosen


def _accounts_of(raw: JsonObject, chosen: Callable[[str, str], bool]) -> list[str]:
    accounts = set()
    for key, value in principal_entries(raw):
        if not chosen(key, value):
            continue
        arn = parse_arn(value)
        accounts.add(arn.account if arn else value)
    return sorted(accounts)


def _federated(provider: str) -> Callable[[str, str], bool]:
    return lambda key, value: key == "Federated" and value == provider


def _listed(element: str, values: set[str]) -> Callable[[str, str], bool]:
    return lambda key, value: key == element and value in values


def _labelled(indices: list[int]) -> str:
    return ", ".join(f"Statement[{i}]" for i in indices)


def fix_cross_account(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                      context: RoleFixContext) -> FixStep:
    """Require an ExternalId (or MFA) on every cross-account path that requires neither."""
    doc = copy_document(document)
    targets = sorted({p.statement for p in analysis.paths if p.scope is Scope.CROSS_ACCOUNT and not p.guarded})
    chosen = _outside_aws(analysis)
    notify: set[str] = set()
    touched: list[int] = []
    for index in reversed(targets):  # from the end: a split shifts only later statements
        at = isolate(doc, index, chosen, "Outside")
        raw = statement(doc, at)
        if context.options.guard == "external-id":
            add_condition(raw, "StringEquals", "sts:ExternalId", [context.external_id])
            notify.update(_accounts_of(raw, chosen))
        else:
            add_condition(raw, "Bool", "aws:MultiFactorAuthPresent", ["true"])
            if context.options.mfa_max_age is not None:
                add_condition(raw, "NumericLessThan", "aws:MultiFactorAuthAge", [str(context.options.mfa_max_age)])
        touched.append(at)
    touched = sorted(touched)
    if context.options.guard == "external-id":
        what = f"requires the ExternalId {context.external_id} from outside callers in {_labelled(touched)}"
    else:
        age = (f" no older than {context.options.mfa_max_age} s" if context.options.mfa_max_age is not None else "")
        what = f"requires MFA{age} from outside callers in {_labelled(touched)}"
    external_id = context.external_id if context.options.guard == "external-id" else None
    return FixStep("cross-account-without-mfa-or-external-id", doc, what, tuple(sorted(notify)),
                   external_id=external_id)


def fix_public(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
               context: RoleFixContext) -> FixStep:
    """Narrow a ``"*"`` principal to the organisation with ``aws:PrincipalOrgID``."""
    org_id = context.options.org_id or analysis.zone.org_id
    wildcard = sorted({e.statement for e in analysis.public_paths if e.principal == "*"})
    others = sorted({e.principal for e in analysis.public_paths if e.principal != "*"})
    if not wildcard:
        raise Unfixable(f"public through {', '.join(others)}: pin the token subject (--oidc-subject) or "
                        "name the identity pool; rolescope cannot narrow an identity provider to an organisation")
    if org_id is None:
        raise Unfixable("the organisation id is unknown: scan with --org-accounts, or pass --org-id o-... "
                        "(or replace \"*\" with the accounts that need access)")
    check_org_id(org_id, "the scan's organisation id")  # a hand-edited scan must not lock the role
    doc = copy_document(document)
    touched = []
    for index in reversed(wildcard):
        at = isolate(doc, index, lambda key, value: key == "*" or (key == "AWS" and value == "*"), "Org")
        add_condition(statement(doc, at), "StringEquals", "aws:PrincipalOrgID", [org_id])
        touched.append(at)
    return FixStep("public-trust", doc,
                   f"narrows \"*\" to the organisation {org_id} (aws:PrincipalOrgID) in {_labelled(sorted(touched))}")


def fix_oidc_subject(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                     context: RoleFixContext) -> FixStep:
    """Pin the identity claim (``sub``...) of an OIDC trust to the subjects the user named."""
    subjects = list(context.options.oidc_subjects)
    if not subjects:
        raise Unfixable("needs --oidc-subject: rolescope never guesses which repository or workload "
                        "should get in (e.g. repo:ORG/REPO:ref:refs/heads/main)")
    doc = copy_document(document)
    touched = []
    operator = "StringLike" if any("*" in s or "?" in s for s in subjects) else "StringEquals"
    for exposure in sorted(analysis.oidc_without_subject, key=lambda e: -e.statement):
        provider = exposure.principal
        host = provider.split("oidc-provider/", 1)[-1]
        public = PUBLIC_PROVIDERS.get(host.lower())
        key = f"{host}:{public.identity_claim if public else 'sub'}"
        at = isolate(doc, exposure.statement, _federated(provider), "Subject")
        add_condition(statement(doc, at), operator, key, subjects)
        touched.append(at)
    return FixStep("oidc-trust-without-subject", doc,
                   f"requires the token subject {' or '.join(subjects)} in {_labelled(sorted(touched))}")


def fix_saml_audience(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                      context: RoleFixContext) -> FixStep:
    """Require ``SAML:aud`` to be the sign-in endpoint(s) the user named."""
    audiences = list(context.options.saml_audiences)
    if not audiences:
        raise Unfixable("needs --saml-audience: the sign-in endpoint your IdP sends assertions to "
                        "(https://signin.aws.amazon.com/saml or a regional one); rolescope does not guess")
    doc = copy_document(document)
    touched = []
    for exposure in sorted(analysis.saml_without_audience, key=lambda e: -e.statement):
        provider = exposure.principal
        at = isolate(doc, exposure.statement, _federated(provider), "Audience")
        add_condition(statement(doc, at), "StringEquals", "SAML:aud", audiences)
        touched.append(at)
    return FixStep("saml-trust-without-audience", doc,
                   f"requires SAML:aud {' or '.join(audiences)} in {_labelled(sorted(touched))}")


def fix_service_source(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                       context: RoleFixContext) -> FixStep:
    """Bind the services the check reports to the role's own resources: ``ArnLike aws:SourceArn`` with
    the ``--source-arn`` values of each service, else ``aws:SourceAccount`` (the role's own account),
    and both when a source ARN has no account field (a bucket: its name alone binds nothing)."""
    by_statement: dict[int, set[str]] = {}
    for finding in findings:
        if finding.statement is not None:
            by_statement.setdefault(finding.statement, set()).add(str(finding.evidence["service"]))
    account = analysis.zone.account_id
    doc = copy_document(document)
    touched = []
    required: dict[str, tuple[str, ...]] = {}  # service -> the source ARNs it gets (none: the account)
    for index in sorted(by_statement, reverse=True):
        groups: dict[tuple[str, ...], set[str]] = {}
        for name in by_statement[index]:
            groups.setdefault(arns_for(name, context.options.source_arns), set()).add(name)
        for source_arns, names in sorted(groups.items()):
            at = isolate(doc, index, _listed("Service", names), "Source")
            raw = statement(doc, at)
            if source_arns:
                add_condition(raw, "ArnLike", "aws:SourceArn", list(source_arns))
            if not source_arns or any(not _arn_account(a) for a in source_arns):
                add_condition(raw, "StringEquals", "aws:SourceAccount", [account])
            required.update(dict.fromkeys(names, source_arns))
            touched.append(at)
    by_account = sorted(s for s, arns in required.items() if not arns)
    by_arn = sorted(s for s, arns in required.items() if arns)
    what = [f"requires aws:SourceArn {' or '.join(required[s])} for {s}" for s in by_arn]
    warnings = [f"{s}: --source-arn {a} names account {_arn_account(a)}, not the role's {account}"
                for s in by_arn for a in required[s] if _arn_account(a) not in ("", account)]
    if by_account:
        what.append(f"requires aws:SourceAccount {account} for {', '.join(by_account)}")
        warnings.append(f"assumes {', '.join(by_account)} acts only for resources in account {account}; if a "
                        "resource in another account uses this role, name that account instead (or pass "
                        "--source-arn)")
    return FixStep("service-trust-without-source-condition", doc, f"{'; '.join(what)} in {_labelled(sorted(touched))}",
                   warnings=tuple(warnings))


def _arn_account(value: str) -> str:
    arn = parse_arn(value)
    return arn.account if arn is not None else ""


def fix_weak_external_id(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                         context: RoleFixContext) -> FixStep:
    """Replace a guessable ExternalId condition with ``StringEquals`` on a fresh (or given) value."""
    doc = copy_document(document)
    touched = sorted({f.statement for f in findings if f.statement is not None})
    notify: set[str] = set()
    for index in touched:
        raw = statement(doc, index)
        for finding in findings:
            if finding.statement == index:
                remove_condition(raw, str(finding.evidence["operator"]), "sts:ExternalId")
        add_condition(raw, "StringEquals", "sts:ExternalId", [context.external_id])
        notify.update(_accounts_of(raw, _outside_aws(analysis)))
    return FixStep("weak-external-id", doc,
                   f"replaces the guessable ExternalId with {context.external_id} in {_labelled(touched)}",
                   tuple(sorted(notify)), external_id=context.external_id)


def fix_deleted_principal(document: JsonObject, analysis: TrustAnalysis, findings: list[Finding],
                          context: RoleFixContext) -> FixStep:
    """Remove principals IAM shows as unique ids (deleted) from Allow statements."""
    doc = copy_document(document)
    removed: list[str] = []
    for parsed in sorted(analysis.policy.statements, key=lambda s: -s.index):
        dead = {p.value for p in parsed.principals or () if p.kind is PrincipalKind.UNIQUE_ID}
        if not dead:
            continue
        if parsed.effect is not Effect.ALLOW:
            raise Unfixable(f"{parsed.label} is a Deny statement; removing a principal from it is a decision "
                            "for a person")
        remove_principals(doc, parsed.index, _listed("AWS", dead))
        removed += sorted(dead)
    return FixStep("trust-to-deleted-principal", doc, f"removes the deleted principal(s) {', '.join(sorted(removed))}")


# The order fixes are tried in: removals first, then pinning who (subjects, audiences, sources,
# organisation), then what outside callers must present.
FIXERS: dict[str, Fixer] = {
    "trust-to-deleted-principal": fix_deleted_principal,
    "oidc-trust-without-subject": fix_oidc_subject,
    "saml-trust-without-audience": fix_saml_audience,
    "service-trust-without-source-condition": fix_service_source,
    "public-trust": fix_public,
    "weak-external-id": fix_weak_external_id,
    "cross-account-without-mfa-or-external-id": fix_cross_account,
}

NOT_TRUST_FIXES: dict[str, str] = {
    "privileged-cross-account-role": "a permissions change, not a trust-policy change: detach or narrow the "
                                     "administrative policy (see the finding's remediation)",
    "unused-cross-account-role": "needs the owner's decision whether the access is still wanted",
    "not-principal-without-session": "needs the owner's decision which sessions the Deny should exempt (an "
                                     "exemption widens who can assume the role)",
    "identity-assume-any-role": "an identity-policy change on the trusted side, not a trust-policy change: narrow "
                                "the principal's sts:AssumeRole statements to the role ARNs it needs",
    "trust-to-account-outside-organization": "needs a decision about the account: remove it from the trust "
                                             "policy, or add it to --trusted-accounts and require an ExternalId",
    "rcp-perimeter-gap": "an organisation change, not a trust-policy change: attach the RCP where the role's "
                         "account sits, or narrow the role's trust (see the finding's remediation)",
}


def check_external_id(value: str, minimum: int | None = None) -> str:
    """Validate an ExternalId the user chose; returns it.

    Args:
        value: the ExternalId.
        minimum: the weak-external-id check's minimum length (the catalogue's when not given).

    Raises:
        Unfixable: IAM would reject it, or rolescope's own weak-external-id check would report it.
    """
    if minimum is None:
        minimum = default_minimum()
    if not EXTERNAL_ID.match(value):
        raise Unfixable(f"--external-id: {minimum} to 1224 characters of letters, digits and +=,.@:/-_")
    why = weakness(value, minimum, wildcard=False)
    if why is not None:
        raise Unfixable(f"--external-id: {why} (use at least {minimum} random characters)")
    return value


def check_org_id(value: str, what: str) -> str:
    """Validate an organisation id before it goes into ``aws:PrincipalOrgID``; returns it.

    Raises:
        Unfixable: not an id AWS Organizations issues (a wrong one would let nobody in).
    """
    if not ORG_ID.match(value):
        raise Unfixable(f"{what} {value!r} is not an organisation id ({ORG_ID_SHAPE})")
    return value


def check_saml_audience(value: str) -> str:
    """Validate a ``SAML:aud`` value: the absolute URL assertions are sent to (or a URN); returns it.

    Raises:
        Unfixable: anything else, which no assertion would ever carry: the role would be closed to its IdP.
    """
    parts = urlsplit(value)
    url = parts.scheme in ("https", "http") and bool(parts.hostname)
    urn = parts.scheme == "urn" and bool(parts.path)
    if not (url or urn) or any(c.isspace() for c in value):
        raise Unfixable(f"--saml-audience {value!r}: not a URL (e.g. https://signin.aws.amazon.com/saml) or URN")
    return value
