"""What a check sees about one role, and the settings that tune the checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from rolescope.checks.finding import Finding
from rolescope.data.loading import load_bundled_yaml
from rolescope.inventory.model import AccountSnapshot, Organization, Role
from rolescope.policy.glob import FRESH
from rolescope.trust.analysis import TrustAnalysis, TrustPath


@dataclass(frozen=True, slots=True)
class VendorDirectory:
    """Known third-party AWS accounts (community list, see ``data/VENDORS.md``)."""

    names: dict[str, str]

    def name_of(self, account_id: str) -> str | None:
        return self.names.get(account_id)


@lru_cache(maxsize=1)
def load_vendors() -> VendorDirectory:
    """The bundled vendor list, read on first use."""
    data = load_bundled_yaml("rolescope.data", "vendor_accounts.yaml")
    names: dict[str, str] = {}
    for vendor in data.get("vendors") or ():
        for account in vendor.get("accounts") or ():
            names.setdefault(str(account), str(vendor.get("name", "")))
    return VendorDirectory(names)


@lru_cache(maxsize=1)
def load_exempt_services() -> frozenset[str]:
    """Service principals whose trust needs no source condition (see ``services_confused_deputy.yaml``)."""
    data = load_bundled_yaml("rolescope.data", "services_confused_deputy.yaml")
    return frozenset(str(e["principal"]).lower() for e in data.get("exempt_services") or ())


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Tuning shared by every check in one run.

    Attributes:
        organization: the organisation, when known (its accounts form the zone of trust).
        trusted_accounts: further accounts the user trusts (``--trusted-accounts``).
        unused_days: a cross-account role unused this long is reported.
        now: the clock, injected so runs are reproducible.
        min_external_id_length: shorter ExternalIds are weak.
        max_session_seconds: longer sessions on cross-account roles are reported.
    """

    organization: Organization | None = None
    trusted_accounts: frozenset[str] = frozenset()
    unused_days: int = 90
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    min_external_id_length: int = 8
    max_session_seconds: int = 3600
    vendors: VendorDirectory = field(default_factory=load_vendors)
    exempt_services: frozenset[str] = field(default_factory=load_exempt_services)


@dataclass(frozen=True, slots=True)
class RoleContext:
    """One role under audit: its analysis and, in account scans, the role and its snapshot."""

    account_id: str
    resource: str
    analysis: TrustAnalysis
    settings: CheckSettings
    role: Role | None = None
    snapshot: AccountSnapshot | None = None
    # The paths' evidence, built on the first finding and shared by the others: a policy with many
    # paths and as many findings would otherwise build it once per finding (quadratic).
    _paths: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def role_label(self) -> str:
        return self.role.name if self.role else "This role"

    def finding(self, check: str, severity: str, message: str, statement: int | None = None,
                **evidence: Any) -> Finding:
        """A finding about this role, with the trust paths as common evidence."""
        if len(self._paths) != len(self.analysis.paths):
            self._paths[:] = [path_evidence(p) for p in self.analysis.paths]
        facts: dict[str, Any] = {"paths": self._paths}
        if statement is not None:
            facts["statement"] = statement
            facts["statement_document"] = self.analysis.policy.statements[statement].raw
        facts.update(evidence)
        return Finding(check, severity, self.account_id, self.resource, message, statement, facts)


class Check(Protocol):
    """One module per check exposes ``CHECK_ID``, ``applies`` (whether ``run`` can report anything for a
    role with this analysis: a cheap test scans use to skip it) and ``run``."""

    CHECK_ID: str

    def applies(self, analysis: TrustAnalysis) -> bool: ...

    def run(self, context: RoleContext) -> Iterable[Finding]: ...


ACTION_NAMES = {
    "sts:assumerole": "sts:AssumeRole",
    "sts:assumerolewithsaml": "sts:AssumeRoleWithSAML",
    "sts:assumerolewithwebidentity": "sts:AssumeRoleWithWebIdentity",
}


def shown(value: str) -> str:
    """A witness value for people: parts a caller would choose freely become ``<any>``."""
    return value.replace(FRESH, "<any>")


def path_evidence(path: TrustPath) -> dict[str, Any]:
    """A trust path as JSON-ready evidence."""
    facts: dict[str, Any] = {
        "statement": path.statement,
        "sid": path.sid,
        "scope": path.scope.value,
        "principals": list(path.principals),
        "requires": list(path.requires),
    }
    if path.guarded is not None:
        facts["guarded"] = path.guarded
    if path.public:
        facts["public"] = True
    if path.example is not None:
        facts["example"] = {
            "caller": shown(path.example.caller.session_arn or path.example.caller.arn),
            "action": ACTION_NAMES.get(path.example.action, path.example.action),
            "context": {k: [shown(v) for v in values] for k, values in sorted(path.example.context.items())},
        }
    return facts
