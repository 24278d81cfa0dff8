"""What a check sees about one role, and the settings that tune the checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rolescope.checks.catalogue import load_catalogue
from rolescope.checks.finding import Finding, OverriddenSeverity, SeverityOverride
from rolescope.data.exempt_services import load_exempt_services
from rolescope.data.vendors import VendorDirectory, load_vendors
from rolescope.inventory.model import AccountSnapshot, Organization, Role
from rolescope.policy.glob import FRESH
from rolescope.policy.request_time import render_time
from rolescope.records import quick_init
from rolescope.trust.analysis import TrustAnalysis, TrustPath
from rolescope.trust.perimeter_verdict import PerimeterVerdict


def catalogue_parameter(check_id: str, name: str) -> Callable[[], int]:
    """The default of a :class:`CheckSettings` field: the catalogue's parameter, read when first needed."""
    return lambda: load_catalogue().get(check_id).parameters[name].default


def catalogue_severities() -> dict[str, str]:
    """Each check's default severity, from the catalogue."""
    return load_catalogue().severities()


def catalogue_overrides() -> dict[str, frozenset[str]]:
    """The other severities each check may give a finding (the catalogue's ``may_override_to``)."""
    return {check.id: check.may_override_to for check in load_catalogue().checks.values()}


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Tuning shared by every check in one run.

    The thresholds default to the catalogue's ``parameters`` of the same name (the one place they are
    written); the configuration file and the command line replace them.

    Attributes:
        organization: the organisation, when known (its accounts form the zone of trust).
        trusted_accounts: further accounts the user trusts (``--trusted-accounts``).
        unused_days: a cross-account role unused this long is reported.
        now: the clock, injected so runs are reproducible.
        min_external_id_length: shorter ExternalIds are weak.
        min_external_id_pattern_literals: the letters and digits a ``StringLike`` ExternalId pattern
            must fix to count as an ExternalId requirement.
        max_session_seconds: longer sessions on cross-account roles are reported.
        vendors: the known third-party accounts.
        exempt_services: service principals that need no source condition.
        severities: each check's default severity (the catalogue's).
        declared_overrides: the other severities each check may ask for (the catalogue's).
        severity_overrides: severities the user chose per check; they win over the catalogue and
            over a check's own override.
    """

    organization: Organization | None = None
    trusted_accounts: frozenset[str] = frozenset()
    unused_days: int = field(default_factory=catalogue_parameter("unused-cross-account-role", "unused_days"))
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    min_external_id_length: int = field(default_factory=catalogue_parameter("weak-external-id",
                                                                            "min_external_id_length"))
    min_external_id_pattern_literals: int = field(default_factory=catalogue_parameter(
        "weak-external-id", "min_external_id_pattern_literals"))
    max_session_seconds: int = field(default_factory=catalogue_parameter("long-session-cross-account-role",
                                                                         "max_session_seconds"))
    vendors: VendorDirectory = field(default_factory=load_vendors)
    exempt_services: frozenset[str] = field(default_factory=load_exempt_services)
    severities: Mapping[str, str] = field(default_factory=catalogue_severities)
    declared_overrides: Mapping[str, frozenset[str]] = field(default_factory=catalogue_overrides)
    severity_overrides: Mapping[str, SeverityOverride] = field(default_factory=dict)

    def possible_severities(self, check: str) -> frozenset[str]:
        """Every severity a finding of ``check`` can have in this run: the user's, when they chose one;
        else the catalogue's and those the check may ask for."""
        chosen = self.severity_overrides.get(check)
        if chosen is not None:
            return frozenset({chosen.severity})
        return self.declared_overrides.get(check, frozenset()) | {self.severities[check]}

    def severity(self, check: str, override: SeverityOverride | None = None
                 ) -> tuple[str, OverriddenSeverity | None]:
        """The severity of a finding of ``check``, and what it replaced when it is not the catalogue's.

        Args:
            check: the check id.
            override: what the check asked for this finding, if anything.

        Returns:
            The severity, and the catalogue's with the reason when they differ.

        Raises:
            ValueError: the check asked for a severity its catalogue entry does not declare (filters
                rely on the declaration; the scan reports this as the check's error).
        """
        default = self.severities[check]
        if override is None and not self.severity_overrides:
            return default, None  # nothing to replace it (most findings of most runs)
        declared = self.declared_overrides.get(check, frozenset())
        if override is not None and override.severity not in declared | {default}:
            raise ValueError(f"check {check} asked for severity {override.severity}, which its catalogue entry "
                             "does not declare in may_override_to")
        # The user's choice is final: it states their policy for every finding of the check.
        chosen = self.severity_overrides.get(check) or override
        if chosen is None or chosen.severity == default:
            return default, None
        return chosen.severity, OverriddenSeverity(default, chosen.reason)


@quick_init  # made for every role a check applies to
@dataclass(frozen=True, slots=True)
class RoleContext:
    """One role under audit: its analysis and, in account scans, the role and its snapshot."""

    account_id: str
    resource: str
    analysis: TrustAnalysis
    settings: CheckSettings
    role: Role | None = None
    snapshot: AccountSnapshot | None = None
    perimeter: PerimeterVerdict | None = None  # what the organisation's RCPs do to the role, when it has any
    # The paths' evidence, built on the first finding and shared by the others: a policy with many
    # paths and as many findings would otherwise build it once per finding (quadratic). A scan gives
    # one list to every role with the same analysis, and to the report (see filled_paths).
    _paths: list[dict[str, Any]] = field(default_factory=list, repr=False, compare=False)

    @property
    def role_label(self) -> str:
        return self.role.name if self.role else "This role"

    def finding(self, check: str, message: str, statement: int | None = None,
                override: SeverityOverride | None = None, **evidence: Any) -> Finding:
        """A finding about this role, with the trust paths as common evidence.

        Args:
            check: the check id; the severity is the catalogue's for it.
            message: one sentence a person understands.
            statement: the statement that causes it, when one does.
            override: another severity for this finding, with the reason.
            evidence: the check's own facts.
        """
        facts: dict[str, Any] = {"paths": filled_paths(self.analysis, self._paths)}
        if statement is not None:
            facts["statement"] = statement
            facts["statement_document"] = self.analysis.policy.statements[statement].raw
        if self.perimeter is not None:
            facts["perimeter"] = self.perimeter.evidence()
        facts.update(evidence)
        severity, overridden = self.settings.severity(check, override)
        return Finding(check, severity, self.account_id, self.resource, message, statement, facts,
                       overridden=overridden)


ACTION_NAMES = {
    "sts:assumerole": "sts:AssumeRole",
    "sts:assumerolewithsaml": "sts:AssumeRoleWithSAML",
    "sts:assumerolewithwebidentity": "sts:AssumeRoleWithWebIdentity",
}


def shown(value: str) -> str:
    """A witness value for people: parts a caller would choose freely become ``<any>``."""
    return value.replace(FRESH, "<any>")


def paths_evidence(analysis: TrustAnalysis) -> list[dict[str, Any]]:
    """Every trust path of ``analysis`` as JSON-ready evidence."""
    return [path_evidence(p, analysis.opens(p)) for p in analysis.paths]


def filled_paths(analysis: TrustAnalysis, shared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``shared``, filled with :func:`paths_evidence` of ``analysis`` unless it already holds it.

    Args:
        analysis: the analysis whose paths ``shared`` is to hold.
        shared: empty, or already filled for ``analysis``; the findings and the report entries that
            show those paths share it (nobody changes it once filled).
    """
    if len(shared) != len(analysis.paths):
        shared[:] = paths_evidence(analysis)
    return shared


def path_evidence(path: TrustPath, opens: int | None = None) -> dict[str, Any]:
    """A trust path as JSON-ready evidence; ``opens``: when its time window opens, if after the clock."""
    facts: dict[str, Any] = {
        "statement": path.statement,
        "sid": path.sid,
        "scope": path.scope._value_,  # the enum's value without its (slow) property
        "principals": list(path.principals),
        "requires": list(path.requires),
    }
    if path.guarded is not None:
        facts["guarded"] = path.guarded
    if path.public:
        facts["public"] = True
    if opens is not None:
        facts["from"] = render_time(opens)
    example = path.example
    if example is not None:
        context = example.context
        facts["example"] = {
            "caller": shown(example.caller.session_arn or example.caller.arn),
            "action": ACTION_NAMES.get(example.action, example.action),
            "context": {k: [shown(v) for v in values] for k, values in sorted(context.items())} if context else {},
        }
    return facts
