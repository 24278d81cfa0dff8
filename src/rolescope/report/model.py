"""The scan document, typed: what every report format and every reader of a scan works from.

One :class:`ScanDocument` holds a scan as ``rolescope.scan/v2`` describes it (see
``docs/scan-document.md``): the header, the checks table (each check's text, compliance mapping and
remediation, once), the accounts with their roles, the findings, errors, suppressions and the
trust graph. :mod:`rolescope.report.reader` builds one from a file (v2, or v1 mapped into the same
shape); :mod:`rolescope.pipeline` builds one as it scans, keeping the heavy per-role data (trust
document, path evidence) only for the roles a renderer needs.

Every class is frozen and slotted; mappings inside are not copied, and nobody changes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rolescope.checks.catalogue import CheckInfo, Framework, Requirement
from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import OverriddenSeverity, SeverityOverride
from rolescope.data.vendors import VendorDirectory
from rolescope.records import pickled_by_fields, quick_init

SCHEMA_V1 = "rolescope.scan/v1"
SCHEMA_V2 = "rolescope.scan/v2"
Json = Any  # a decoded JSON value, as the scan wrote it


@dataclass(frozen=True, slots=True)
class Tool:
    name: str = "rolescope"
    version: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class ControlPolicyInfo:
    """An SCP or RCP the scan considered: its id, name, type and where it is attached."""

    id: str
    name: str
    type: str
    targets: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "targets": list(self.targets)}


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    """The organisation the scan judged trust in.

    Attributes:
        id: the organisation id (``o-...``), when known.
        management_account: its management account, when known.
        accounts: its member accounts.
        account_names: account id -> name, for the accounts that have one.
        policies: the SCPs and RCPs the verdicts took into account (none: none were known).
        levels_without_scps: the root, OUs and member accounts with no SCP attached in the data, which
            the graph counts as allowing every action.
    """

    id: str | None
    management_account: str | None
    accounts: tuple[str, ...] = ()
    account_names: Mapping[str, str] = field(default_factory=dict)
    policies: tuple[ControlPolicyInfo, ...] = ()
    levels_without_scps: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"id": self.id, "management_account": self.management_account,
                                 "accounts": list(self.accounts), "account_names": dict(self.account_names)}
        if self.policies:
            found["policies"] = [p.as_json() for p in self.policies]
        if self.levels_without_scps:
            found["levels_without_scps"] = list(self.levels_without_scps)
        return found


@dataclass(frozen=True, slots=True)
class Scope:
    """What the scan looked at, so a missing finding can be told from one that was never sought.

    Attributes:
        checks: the checks that ran.
        severities: the severities kept.
        accounts: the accounts kept, or ``None`` for every account.
        filtered: whether severities or accounts were narrowed.
    """

    checks: tuple[str, ...]
    severities: tuple[str, ...]
    accounts: tuple[str, ...] | None = None
    filtered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"checks": list(self.checks), "severities": list(self.severities),
                "accounts": None if self.accounts is None else list(self.accounts), "filtered": self.filtered}


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The configuration file a scan used: where it was, and the SHA-256 of its bytes."""

    path: str
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class SettingsInForce:
    """What the checks ran with, so a finding can be explained (and a diff's changes told from tuning).

    Attributes:
        config: the configuration file, if one was used.
        parameters: each catalogue parameter's value (``unused_days``, ``min_external_id_length``...).
        severity_overrides: per check, the severity the user gave every finding of it, with the reason.
        vendor_accounts: account id -> name, the vendors named beyond the bundled list.
        trusted_accounts: the accounts outside the organisation the user trusts.
    """

    config: ConfigFile | None = None
    parameters: Mapping[str, int] = field(default_factory=dict)
    severity_overrides: Mapping[str, SeverityOverride] = field(default_factory=dict)
    vendor_accounts: Mapping[str, str] = field(default_factory=dict)
    trusted_accounts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"config": None if self.config is None else self.config.as_json(),
                "parameters": dict(self.parameters),
                "severity_overrides": {check: {"severity": o.severity, "reason": o.reason}
                                       for check, o in self.severity_overrides.items()},
                "vendor_accounts": dict(self.vendor_accounts), "trusted_accounts": list(self.trusted_accounts)}

    def applied_to(self, settings: CheckSettings) -> CheckSettings:
        """``settings`` as the scan had them: its parameters, severity overrides, vendors and trusted accounts."""
        # a parameter is named after the CheckSettings field it sets (the catalogue's test holds it so; the
        # reader keeps only catalogue parameters in their ranges)
        thresholds: dict[str, Any] = dict(self.parameters)
        return replace(settings, **thresholds,
                       severity_overrides={**settings.severity_overrides, **self.severity_overrides},
                       vendors=VendorDirectory({**settings.vendors.names, **self.vendor_accounts}),
                       trusted_accounts=settings.trusted_accounts | set(self.trusted_accounts))


@dataclass(frozen=True, slots=True)
class Collection:
    """How a live scan reached its accounts.

    Attributes:
        role_names: the names of the roles it assumed (``--role-name``, or those of ``--role-arn``; none
            with the caller's own credentials), which ``fix plan`` leaves alone by default: a new guard
            on one locks the next scan out.
    """

    role_names: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"role_names": list(self.role_names)}


@dataclass(frozen=True, slots=True)
class Remediation:
    """A check's remediation boilerplate; ``cli`` names ``{role_name}``, ``{policy_file}``... placeholders."""

    text: str = ""
    cli: str = ""
    terraform: str = ""

    def cli_for(self, role_name: str) -> str:
        """The CLI text for one role: placeholders filled, unknown ones left as written."""
        return self.cli.format_map(_Placeholders(role_name=role_name, policy_file=f"{role_name}-trust-policy.json"))

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "cli": self.cli, "terraform": self.terraform}


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class CheckEntry:
    """One check of the document's ``checks`` table: what a person reads about its findings."""

    id: str
    title: str
    severity: str
    rationale: str = ""
    risk: str = ""
    references: tuple[str, ...] = ()
    remediation: Remediation = Remediation()
    compliance: tuple[Requirement, ...] = ()

    @classmethod
    def of(cls, info: CheckInfo) -> CheckEntry:
        """The entry of a catalogue check."""
        remediation = Remediation(info.remediation.get("text", ""), info.remediation.get("cli", ""),
                                  info.remediation.get("terraform", ""))
        return cls(info.id, info.title, info.severity, info.rationale, info.risk, info.references, remediation,
                   info.compliance)

    def compliance_by_framework(self) -> dict[str, list[dict[str, str]]]:
        """``{framework: [{"id", "title"}, ...]}``, in catalogue order."""
        grouped: dict[str, list[dict[str, str]]] = {}
        for requirement in self.compliance:
            grouped.setdefault(requirement.framework, []).append({"id": requirement.id, "title": requirement.title})
        return grouped

    def as_json(self) -> dict[str, Any]:
        """The entry of the ``checks`` table (keyed by ``id``, which it therefore leaves out).

        The compliance mapping names requirement ids only: their titles are in the ``frameworks`` table.
        """
        compliance: dict[str, list[str]] = {}
        for requirement in self.compliance:
            compliance.setdefault(requirement.framework, []).append(requirement.id)
        return {"title": self.title, "severity": self.severity, "rationale": self.rationale, "risk": self.risk,
                "references": list(self.references), "remediation": self.remediation.as_json(),
                "compliance": compliance}


@dataclass(frozen=True, slots=True)
class FrameworkEntry:
    """A compliance framework of the document's ``frameworks`` table: its requirements' titles, once."""

    key: str
    name: str
    version: str = ""
    url: str = ""
    requirements: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, framework: Framework) -> FrameworkEntry:
        return cls(framework.key, framework.name, framework.version, framework.url, framework.requirements)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "url": self.url, "requirements": dict(self.requirements)}


@quick_init
@dataclass(frozen=True, slots=True)
class TrustEntry:
    """A trust policy as one account's roles hold it, and what the analysis found (shared by those roles).

    Attributes:
        document: the trust policy, decoded.
        error: why it could not be analysed (IAM would reject it); the verdicts are then empty.
        cross_account: callers outside the zone of trust can assume the role.
        public: anyone can.
        mfa_or_external_id_required: every outside path requires MFA or an ExternalId (``None``: no
            outside path).
        outside_accounts: the outside accounts named.
        paths: each way in, as JSON-ready evidence (statement, sid, scope, principals, requires, example).
    """

    document: Json
    error: str | None = None
    cross_account: bool = False
    public: bool = False
    mfa_or_external_id_required: bool | None = False
    outside_accounts: tuple[str, ...] = ()
    paths: tuple[Mapping[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The entry of an account's ``trusts`` table."""
        if self.error is not None:
            return {"document": self.document, "error": self.error}
        return {"document": self.document, "cross_account": self.cross_account, "public": self.public,
                "mfa_or_external_id_required": self.mfa_or_external_id_required,
                "outside_accounts": list(self.outside_accounts), "paths": list(self.paths)}


@quick_init
@dataclass(frozen=True, slots=True)
class RoleEntry:
    """One role of a scanned account."""

    name: str
    arn: str
    path: str
    trust: TrustEntry
    max_session_duration: int | None = None
    last_used: str | None = None
    perimeter: Mapping[str, Any] | None = None  # what the organisation's RCPs do to it (None: no RCPs known)

    @property
    def error(self) -> str | None:
        """Why its trust policy was not analysed, if it was not."""
        return self.trust.error

    def as_json(self, trust: int) -> dict[str, Any]:
        """The entry of an account's ``roles``; ``trust`` is the index of its trust entry in the account."""
        return role_json(self.name, self.arn, self.path, trust, self.max_session_duration, self.last_used,
                         self.perimeter)


def role_json(name: str, arn: str, path: str, trust: int, max_session_duration: int | None,
              last_used: str | datetime | None, perimeter: Mapping[str, Any] | None) -> dict[str, Any]:
    """:meth:`RoleEntry.as_json` from the fields, for a role no typed entry is made for (``last_used``
    may be a UTC or naive datetime when the result is only encoded: orjson writes it as ``isoformat``)."""
    found = {"name": name, "arn": arn, "path": path, "trust": trust, "max_session_duration": max_session_duration,
             "last_used": last_used}
    if perimeter is not None:
        found["perimeter"] = dict(perimeter)
    return found


@quick_init
@dataclass(frozen=True, slots=True)
class AccountEntry:
    """One account: scanned, with its roles, or failed, with the reason.

    Attributes:
        roles: the roles this document holds. A document read from a file holds every role; one
            built by the pipeline may hold only the roles with findings (``role_count`` says how
            many the account has).
        role_count: how many roles the account has.
        unreadable_roles: how many of them have a trust policy that could not be analysed.
        api_calls: AWS calls made to collect it (live scans).
        perimeter_statuses: how many of its roles got each data perimeter verdict (``closes``...), over
            all its roles, kept or not.
    """

    account_id: str
    status: str
    alias: str | None = None
    error: str | None = None
    source: str = ""
    roles: tuple[RoleEntry, ...] = ()
    role_count: int = 0
    unreadable_roles: int = 0
    api_calls: int | None = None
    perimeter_statuses: Mapping[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def header_json(self) -> dict[str, Any]:
        """The account's own fields, without its ``trusts`` and ``roles`` (which the writer adds)."""
        header: dict[str, Any] = {"account_id": self.account_id, "alias": self.alias, "status": self.status,
                                  "error": self.error, "source": self.source}
        if self.api_calls is not None:
            header["api_calls"] = self.api_calls
        return header


@quick_init
@dataclass(frozen=True, slots=True)
class FindingEntry:
    """One finding: only what is specific to it; its check's text is in the checks table.

    Attributes:
        id: the stable fingerprint (check, account, role, statement): the same across scans.
        evidence: the check's facts. The role's trust paths and the statement's text are not
            repeated here: :meth:`ScanDocument.evidence` adds them back from the role. Empty in the
            typed document of a scan that kept no evidence (:attr:`rolescope.pipeline.ScanSettings.finding_evidence`):
            its JSON report has it.
        suppressed: the reason, when an accepted risk covers it.
        overridden: the catalogue's severity and why this finding's differs, when it does.
    """

    id: str
    check: str
    severity: str
    account_id: str
    resource: str
    message: str = ""
    statement: int | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    suppressed: str | None = None
    overridden: OverriddenSeverity | None = None

    def as_json(self, evidence: Mapping[str, Any] | None = None, copy: bool = True) -> dict[str, Any]:
        """The entry of the document's ``findings``.

        Args:
            evidence: written in place of the entry's own (for an entry kept without it).
            copy: put a copy of the evidence in the result (not when it is only encoded at once).
        """
        written = self.evidence if evidence is None else evidence
        found = {"id": self.id, "check": self.check, "severity": self.severity, "account_id": self.account_id,
                 "resource": self.resource, "message": self.message, "statement": self.statement,
                 "evidence": dict(written) if copy else written, "suppressed": self.suppressed}
        if self.overridden is not None:  # only then, so documents without overrides read as before
            found["severity_override"] = self.overridden.as_json()
        return found

    def severity_label(self) -> str:
        """The severity for people: ``medium (catalogue: high; lowered: ...)`` when overridden."""
        if self.overridden is None:
            return self.severity
        return f"{self.severity} (catalogue: {self.overridden.default}; {self.overridden.reason})"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CheckErrorEntry:
    """A check that failed on a role (or a trust policy that could not be read)."""

    check: str
    account_id: str
    resource: str
    error: str

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "account_id": self.account_id, "resource": self.resource, "error": self.error}


@dataclass(frozen=True, slots=True)
class SuppressionEntry:
    """An entry of the suppressions file, and how many findings it covered (or would have, expired)."""

    index: int
    check: str | None
    accounts: tuple[str, ...]
    resource: str | None
    reason: str
    expires: str | None
    findings: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "check": self.check, "accounts": list(self.accounts), "resource": self.resource,
                "reason": self.reason, "expires": self.expires, "findings": self.findings}


@dataclass(frozen=True, slots=True)
class SuppressionReport:
    """The suppressions file the scan used (``source`` ``None``: none)."""

    source: str | None = None
    entries: int = 0
    today: str | None = None
    applied: tuple[SuppressionEntry, ...] = ()
    expired: tuple[SuppressionEntry, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "entries": self.entries, "today": self.today,
                "applied": [e.as_json() for e in self.applied], "expired": [e.as_json() for e in self.expired]}


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over the whole scan; ``findings`` counts open findings by severity."""

    accounts: int
    failed_accounts: int
    roles: int
    findings: Mapping[str, int]
    suppressed: int

    def as_json(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "failed_accounts": self.failed_accounts, "roles": self.roles,
                "findings": dict(self.findings), "suppressed": self.suppressed}


@dataclass(frozen=True, slots=True)
class ScanDocument:
    """A whole scan (see the module docstring).

    Attributes:
        schema: the schema the document was read from (``rolescope.scan/v2``, or v1 for old files).
        checks: the checks table, by check id.
        frameworks: the compliance frameworks the checks map to, by key.
        graph: the ``graph`` section as the trust graph wrote it (its own schema), or ``None``.
        as_of: the scan's clock (ISO 8601): requests were judged as made then or later, role usage
            up to then; ``None`` when the document does not say (written before it did).
        settings: what the checks ran with (``None`` in documents written before rolescope recorded it).
        collection: how a live scan reached its accounts (``None``: files, or not recorded).
    """

    schema: str
    tool: Tool
    generated_at: str
    organization: OrganizationInfo | None
    scope: Scope
    checks: Mapping[str, CheckEntry]
    accounts: tuple[AccountEntry, ...]
    summary: Summary
    findings: tuple[FindingEntry, ...]
    errors: tuple[CheckErrorEntry, ...] = ()
    suppressions: SuppressionReport = SuppressionReport()
    graph: Mapping[str, Any] | None = None
    frameworks: Mapping[str, FrameworkEntry] = field(default_factory=dict)
    as_of: str | None = None
    settings: SettingsInForce | None = None
    collection: Collection | None = None
    _roles: dict[str, RoleEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        roles = {role.arn: role for account in self.accounts for role in account.roles}
        object.__setattr__(self, "_roles", roles)  # an index of the (frozen) accounts, built once

    def check(self, check_id: str) -> CheckEntry:
        """The checks-table entry of ``check_id`` (a bare one, titled by the id, for an unknown check)."""
        found = self.checks.get(check_id)
        return found if found is not None else CheckEntry(check_id, check_id, "info")

    def role(self, arn: str) -> RoleEntry | None:
        """The role with this ARN, when the document holds it."""
        return self._roles.get(arn)

    def role_name(self, arn: str) -> str:
        """The role's name: from the scan, else the last segment of the ARN."""
        role = self._roles.get(arn)
        return role.name if role is not None and role.name else arn.rsplit("/", 1)[-1]

    def remediation_cli(self, finding: FindingEntry) -> str:
        """The finding's remediation command, written for its role."""
        return self.check(finding.check).remediation.cli_for(self.role_name(finding.resource))

    def evidence(self, finding: FindingEntry) -> dict[str, Any]:
        """The finding's whole evidence: its own facts with the role's trust paths and statement.

        v1 documents repeated these in every finding; v2 keeps them once, with the role and the finding.
        """
        facts = dict(finding.evidence)
        role = self._roles.get(finding.resource)
        if role is None:
            return facts
        whole: dict[str, Any] = {"paths": [dict(p) for p in role.trust.paths]} if "paths" not in facts else {}
        whole.update(facts)
        if finding.statement is not None and "statement" not in whole:
            whole["statement"] = finding.statement
        if finding.statement is not None and "statement_document" not in whole:
            statement = statement_of(role.trust.document, finding.statement)
            if statement is not None:
                whole["statement_document"] = statement
        return whole

    @property
    def failed_accounts(self) -> tuple[AccountEntry, ...]:
        return tuple(a for a in self.accounts if a.failed)

    @property
    def scanned_accounts(self) -> frozenset[str]:
        return frozenset(a.account_id for a in self.accounts if not a.failed)


def statement_of(document: Json, index: int) -> Json | None:
    """Statement ``index`` of a policy as the parser numbers it (a lone statement object is number 0)."""
    if not isinstance(document, dict):
        return None
    body = document.get("Statement")
    if isinstance(body, dict):
        return body if index == 0 else None
    if isinstance(body, list) and 0 <= index < len(body):
        return body[index]
    return None
