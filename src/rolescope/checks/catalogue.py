"""The findings registry: every check's title, severity, rationale, remediation and compliance, as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolescope.caches import memoized
from rolescope.data.loading import load_bundled_yaml

SEVERITIES = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: str) -> int:
    """0 for critical up to 4 for info: sorts findings most severe first."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True, slots=True)
class Requirement:
    framework: str
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A threshold a check reads: its default and the range a configuration may set it to."""

    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """One catalogue entry."""

    id: str
    title: str
    severity: str
    rationale: str
    risk: str
    references: tuple[str, ...]
    remediation: dict[str, str]
    compliance: tuple[Requirement, ...]
    parameters: dict[str, Parameter] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    may_override_to: frozenset[str] = frozenset()

    @property
    def possible_severities(self) -> frozenset[str]:
        """Every severity the check can give a finding on its own: its default and its declared overrides."""
        return self.may_override_to | {self.severity}

    def compliance_by_framework(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = {}
        for requirement in self.compliance:
            grouped.setdefault(requirement.framework, []).append({"id": requirement.id, "title": requirement.title})
        return grouped


@dataclass(frozen=True, slots=True)
class Framework:
    key: str
    name: str
    version: str
    url: str
    requirements: dict[str, str]


@dataclass(frozen=True, slots=True)
class Catalogue:
    checks: dict[str, CheckInfo]
    frameworks: dict[str, Framework]

    def get(self, check_id: str) -> CheckInfo:
        return self.checks[check_id]

    def severities(self) -> dict[str, str]:
        """Each check's default severity."""
        return {check.id: check.severity for check in self.checks.values()}


@memoized(1)
def load_catalogue() -> Catalogue:
    """The bundled catalogue (read on first use, never at import time)."""
    return parse_catalogue(load_bundled_yaml("rolescope.checks", "catalogue.yaml"))


def parse_catalogue(data: dict[str, Any]) -> Catalogue:
    """Build a :class:`Catalogue` from the YAML structure."""
    frameworks = {
        key: Framework(key, str(value.get("name", key)), str(value.get("version", "")), str(value.get("url", "")),
                       {str(k): str(v) for k, v in (value.get("requirements") or {}).items()})
        for key, value in (data.get("frameworks") or {}).items()
    }
    checks: dict[str, CheckInfo] = {}
    for entry in data.get("checks") or ():
        compliance = tuple(
            Requirement(framework, str(item["id"]), str(item.get("title", "")))
            for framework, items in (entry.get("compliance") or {}).items()
            for item in items
        )
        severity = _severity(entry["id"], entry["severity"])
        overrides = entry.get("may_override_to") or []
        if not isinstance(overrides, list):
            raise ValueError(f"catalogue: check {entry['id']}: may_override_to must be a list of severities")
        checks[entry["id"]] = CheckInfo(
            id=entry["id"],
            title=str(entry["title"]),
            severity=severity,
            rationale=" ".join(str(entry.get("rationale", "")).split()),
            risk=" ".join(str(entry.get("risk", "")).split()),
            references=tuple(entry.get("references") or ()),
            remediation={k: str(v).strip() for k, v in (entry.get("remediation") or {}).items()},
            compliance=compliance,
            parameters=_parameters(entry["id"], entry.get("parameters") or {}),
            aliases={k: list(v) for k, v in (entry.get("aliases") or {}).items()},
            may_override_to=frozenset(_severity(entry["id"], value) for value in overrides),
        )
    return Catalogue(checks, frameworks)


def _severity(check_id: str, value: Any) -> str:
    severity = str(value)
    if severity not in SEVERITIES:
        raise ValueError(f"catalogue: check {check_id}: severity {severity!r} is not one of {SEVERITIES}")
    return severity


def _parameters(check_id: str, data: dict[str, Any]) -> dict[str, Parameter]:
    # Every threshold a check reads is a whole number (days, seconds, characters); a typo'd string
    # here would otherwise surface as a TypeError inside the check, on every role.
    parameters: dict[str, Parameter] = {}
    for name, value in data.items():
        fields = [value.get(key) for key in ("default", "minimum", "maximum")] if isinstance(value, dict) else []
        numbers = [n for n in fields if isinstance(n, int) and not isinstance(n, bool)]
        if len(numbers) != 3:
            raise ValueError(f"catalogue: check {check_id}: parameter {name!r} needs integer default, minimum "
                             f"and maximum, not {value!r}")
        default, minimum, maximum = numbers
        if not minimum <= default <= maximum:
            raise ValueError(f"catalogue: check {check_id}: parameter {name!r}: default out of its range")
        parameters[str(name)] = Parameter(default, minimum, maximum)
    return parameters
