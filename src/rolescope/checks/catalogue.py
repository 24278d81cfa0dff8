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
    parameters: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)

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
        checks[entry["id"]] = CheckInfo(
            id=entry["id"],
            title=str(entry["title"]),
            severity=str(entry["severity"]),
            rationale=" ".join(str(entry.get("rationale", "")).split()),
            risk=" ".join(str(entry.get("risk", "")).split()),
            references=tuple(entry.get("references") or ()),
            remediation={k: str(v).strip() for k, v in (entry.get("remediation") or {}).items()},
            compliance=compliance,
            parameters=dict(entry.get("parameters") or {}),
            aliases={k: list(v) for k, v in (entry.get("aliases") or {}).items()},
        )
    return Catalogue(checks, frameworks)
