"""Read a scan document (``rolescope.scan/v2``, or a v1 file) into the typed :class:`ScanDocument`.

Every shape mistake is a :class:`DocumentError` whose message is one line naming the file and the
place (``findings[3].resource``), never a traceback. A v1 document is mapped into the v2 model: each
role gets its own trust entry, and the checks table is made from what v1 findings embedded (title,
compliance, remediation) completed from the bundled catalogue (rationale, risk, references), since
v1 did not record them. v1 wrote each finding's remediation command with its role's name filled in;
the table keeps the catalogue's form of the command (``{role_name}``), which renderers fill again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from rolescope.checks.catalogue import SEVERITIES, Requirement, load_catalogue
from rolescope.checks.finding import OverriddenSeverity, SeverityOverride
from rolescope.report.model import (
    SCHEMA_V1,
    SCHEMA_V2,
    AccountEntry,
    CheckEntry,
    CheckErrorEntry,
    Collection,
    ConfigFile,
    ControlPolicyInfo,
    FindingEntry,
    FrameworkEntry,
    OrganizationInfo,
    Remediation,
    RoleEntry,
    ScanDocument,
    Scope,
    SettingsInForce,
    Summary,
    SuppressionEntry,
    SuppressionReport,
    Tool,
    TrustEntry,
)
from rolescope.userfiles import UnreadableFile, read_user_bytes

SCHEMAS = (SCHEMA_V2, SCHEMA_V1)


class DocumentError(ValueError):
    """A file that is not a readable scan document; the message is one line."""


def read_document(path: Path) -> ScanDocument:
    """Read a scan document written by ``--format json`` (v2, or v1 from an older rolescope).

    Raises:
        DocumentError: the file is missing, not JSON, or not a scan document.
    """
    try:
        data = read_user_bytes(path, "a scan document (JSON)")
    except UnreadableFile as error:
        raise DocumentError(str(error)) from None
    return decode_document(data, str(path))


def decode_document(data: bytes, source: str) -> ScanDocument:
    """The scan document in the JSON text ``data``; ``source`` names it in errors (see :func:`read_document`)."""
    try:
        decoded = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise DocumentError(f"{source}: not JSON ({error})") from None
    return parse_document(decoded, source)


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def parse_document(data: Any, source: str = "the scan document") -> ScanDocument:
    """The typed document of decoded JSON ``data`` (see :func:`read_document`); ``source`` names it in errors."""
    reader = _Reader(source)
    if not isinstance(data, dict):
        raise DocumentError(f"{source}: not a rolescope scan document (a JSON {_json_kind(data)}, expected an "
                            "object; write one with --format json)")
    document = data
    schema = document.get("schema")
    if schema not in SCHEMAS:
        raise DocumentError(f"{source}: not a rolescope scan document (schema {schema!r}, expected "
                            f"{SCHEMA_V2!r} or {SCHEMA_V1!r}; write one with --format json)")
    for key in ("accounts", "findings"):
        if not isinstance(document.get(key), list):
            raise DocumentError(f"{source}: {key!r} must be a list")
    findings = [reader.finding(item, f"findings[{i}]") for i, item in enumerate(document["findings"])]
    if schema == SCHEMA_V1:
        accounts = [reader.v1_account(item, f"accounts[{i}]") for i, item in enumerate(document["accounts"])]
        checks = _v1_checks(document["findings"])
        frameworks = {key: FrameworkEntry.of(f) for key, f in load_catalogue().frameworks.items()}
    else:
        accounts = [reader.v2_account(item, f"accounts[{i}]") for i, item in enumerate(document["accounts"])]
        frameworks = {key: reader.framework(key, item, f"frameworks.{key}") for key, item in
                      (reader.optional_object(document.get("frameworks"), "frameworks") or {}).items()}
        checks = {key: reader.check(key, item, f"checks.{key}", frameworks)
                  for key, item in reader.object(document.get("checks"), "checks").items()}
    return ScanDocument(
        schema=schema,
        tool=reader.tool(document.get("tool")),
        generated_at=str(document.get("generated_at") or ""),
        organization=reader.organization(document.get("organization")),
        scope=reader.scope(document.get("scope")),
        checks=checks,
        accounts=tuple(accounts),
        summary=reader.summary(document.get("summary"), accounts, findings),
        findings=tuple(findings),
        errors=tuple(reader.error(item, f"errors[{i}]") for i, item in enumerate(document.get("errors") or ())),
        suppressions=reader.suppressions(document.get("suppressions")),
        graph=reader.optional_object(document.get("graph"), "graph"),
        frameworks=frameworks,
        as_of=reader.moment(document, "as_of"),
        settings=reader.settings(document.get("settings")),
        collection=reader.collection(document.get("collection")),
    )


class _Reader:
    """Typed access to the decoded JSON, each mistake one line naming ``source`` and the place."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> DocumentError:
        return DocumentError(f"{self.source}: {where + ' ' if where else ''}{what}")

    def object(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "is not an object")
        return value

    def optional_object(self, value: Any, where: str) -> dict[str, Any] | None:
        return None if value is None else self.object(value, where)

    def text(self, item: dict[str, Any], key: str, where: str) -> str:
        value = item.get(key)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "is missing or not text")
        return value

    def optional_text(self, item: dict[str, Any], key: str, where: str) -> str | None:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "is not text")
        return value

    def moment(self, item: dict[str, Any], key: str) -> str | None:
        """An optional ISO 8601 date and time, checked here so its users can parse it."""
        value = item.get(key)
        if value is None:
            return None
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.fail(key, "is not an ISO 8601 date and time") from None
        return str(value)

    def optional_int(self, item: dict[str, Any], key: str, where: str) -> int | None:
        value = item.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.fail(f"{where}.{key}", "is not a whole number")
        return value

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "is not a list of text")
        return tuple(value)

    def array(self, item: dict[str, Any], key: str, where: str) -> list[Any]:
        value = item.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "is not a list")
        return value

    def tool(self, value: Any) -> Tool:
        item = self.optional_object(value, "tool") or {}
        return Tool(str(item.get("name") or "rolescope"), str(item.get("version") or ""))

    def organization(self, value: Any) -> OrganizationInfo | None:
        item = self.optional_object(value, "organization")
        if item is None:
            return None
        names = self.optional_object(item.get("account_names"), "organization.account_names") or {}
        policies = []
        for index, policy in enumerate(self.array(item, "policies", "organization")):
            where = f"organization.policies[{index}]"
            entry = self.object(policy, where)
            policies.append(ControlPolicyInfo(self.text(entry, "id", where), str(entry.get("name") or ""),
                                              self.text(entry, "type", where),
                                              self.texts(entry.get("targets"), f"{where}.targets")))
        return OrganizationInfo(self.optional_text(item, "id", "organization"),
                                self.optional_text(item, "management_account", "organization"),
                                self.texts(item.get("accounts"), "organization.accounts"),
                                {str(k): str(v) for k, v in names.items()}, tuple(policies),
                                self.texts(item.get("levels_without_scps"), "organization.levels_without_scps"))

    def scope(self, value: Any) -> Scope:
        # what a document does not say was not narrowed: every check and severity, as early v1 scans ran
        item = self.optional_object(value, "scope") or {}
        checks, severities, accounts = item.get("checks"), item.get("severities"), item.get("accounts")
        return Scope(tuple(load_catalogue().checks) if checks is None else self.texts(checks, "scope.checks"),
                     SEVERITIES if severities is None else self.texts(severities, "scope.severities"),
                     None if accounts is None else self.texts(accounts, "scope.accounts"), bool(item.get("filtered")))

    def settings(self, value: Any) -> SettingsInForce | None:
        item = self.optional_object(value, "settings")
        if item is None:
            return None  # written before rolescope recorded its settings
        config = self.optional_object(item.get("config"), "settings.config")
        parameters = self.optional_object(item.get("parameters"), "settings.parameters") or {}
        known = {name: limits for info in load_catalogue().checks.values() for name, limits in info.parameters.items()}
        for name, value in parameters.items():
            limits = known.get(name)
            if limits is None:
                raise self.fail(f"settings.parameters.{name}", "is not a parameter of any check")
            if isinstance(value, bool) or not isinstance(value, int) or not limits.minimum <= value <= limits.maximum:
                raise self.fail(f"settings.parameters.{name}",
                                f"is not a whole number from {limits.minimum} to {limits.maximum}")
        overrides: dict[str, SeverityOverride] = {}
        for check, entry in (self.optional_object(item.get("severity_overrides"), "settings.severity_overrides")
                             or {}).items():
            where = f"settings.severity_overrides.{check}"
            override = SeverityOverride(self.text(self.object(entry, where), "severity", where),
                                        self.text(entry, "reason", where))
            if override.severity not in SEVERITIES:
                raise self.fail(f"{where}.severity", f"is not one of {', '.join(SEVERITIES)}")
            overrides[str(check)] = override
        vendors = self.optional_object(item.get("vendor_accounts"), "settings.vendor_accounts") or {}
        return SettingsInForce(
            None if config is None else ConfigFile(self.text(config, "path", "settings.config"),
                                                   self.text(config, "sha256", "settings.config")),
            {str(k): int(v) for k, v in parameters.items()}, overrides, {str(k): str(v) for k, v in vendors.items()},
            self.texts(item.get("trusted_accounts"), "settings.trusted_accounts"))

    def collection(self, value: Any) -> Collection | None:
        item = self.optional_object(value, "collection")
        return None if item is None else Collection(self.texts(item.get("role_names"), "collection.role_names"))

    def check(self, key: str, value: Any, where: str, frameworks: Mapping[str, FrameworkEntry]) -> CheckEntry:
        item = self.object(value, where)
        remediation = self.optional_object(item.get("remediation"), f"{where}.remediation") or {}
        return CheckEntry(
            id=key,
            title=self.text(item, "title", where),
            severity=self.text(item, "severity", where),
            rationale=str(item.get("rationale") or ""),
            risk=str(item.get("risk") or ""),
            references=self.texts(item.get("references"), f"{where}.references"),
            remediation=Remediation(str(remediation.get("text") or ""), str(remediation.get("cli") or ""),
                                    str(remediation.get("terraform") or "")),
            compliance=self.compliance(item.get("compliance"), f"{where}.compliance", frameworks),
        )

    def compliance(self, value: Any, where: str, frameworks: Mapping[str, FrameworkEntry]
                   ) -> tuple[Requirement, ...]:
        """``{framework: [requirement id]}``, each requirement titled from the frameworks table."""
        grouped = self.optional_object(value, where) or {}
        found = []
        for framework, ids in grouped.items():
            titles = frameworks[framework].requirements if framework in frameworks else {}
            found += [Requirement(framework, ident, titles.get(ident, ""))
                      for ident in self.texts(ids, f"{where}.{framework}")]
        return tuple(found)

    def framework(self, key: str, value: Any, where: str) -> FrameworkEntry:
        item = self.object(value, where)
        requirements = self.optional_object(item.get("requirements"), f"{where}.requirements") or {}
        return FrameworkEntry(key, str(item.get("name") or key), str(item.get("version") or ""),
                              str(item.get("url") or ""), {str(k): str(v) for k, v in requirements.items()})

    def finding(self, value: Any, where: str) -> FindingEntry:
        if not isinstance(value, dict):
            raise self.fail(where, "is not an object")
        statement = value.get("statement")
        if statement is not None and (not isinstance(statement, int) or isinstance(statement, bool)):
            raise self.fail(f"{where}.statement", "is not a whole number")
        return FindingEntry(
            id=self.text(value, "id", where),
            check=self.text(value, "check", where),
            severity=self.text(value, "severity", where),
            account_id=self.text(value, "account_id", where),
            resource=self.text(value, "resource", where),
            message=str(value.get("message") or ""),
            statement=statement,
            evidence=self.optional_object(value.get("evidence"), f"{where}.evidence") or {},
            suppressed=self.optional_text(value, "suppressed", where) or None,
            overridden=self.overridden(value.get("severity_override"), f"{where}.severity_override"),
        )

    def overridden(self, value: Any, where: str) -> OverriddenSeverity | None:
        item = self.optional_object(value, where)
        if item is None:
            return None
        return OverriddenSeverity(self.text(item, "default", where), self.text(item, "reason", where))

    def _account(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not isinstance(value.get("account_id"), str):
            raise self.fail(where, "has no account_id")
        return value

    def _entry(self, item: dict[str, Any], roles: list[RoleEntry], where: str) -> AccountEntry:
        return AccountEntry(
            account_id=item["account_id"],
            status=str(item.get("status") or "scanned"),
            alias=self.optional_text(item, "alias", where),
            error=self.optional_text(item, "error", where),
            source=str(item.get("source") or ""),
            roles=tuple(roles),
            role_count=len(roles),
            unreadable_roles=sum(1 for r in roles if r.error is not None),
            perimeter_statuses=dict(Counter(str(r.perimeter.get("status")) for r in roles if r.perimeter is not None)),
            api_calls=self.optional_int(item, "api_calls", where),
        )

    def _role(self, item: dict[str, Any], trust: TrustEntry, where: str) -> RoleEntry:
        return RoleEntry(self.text(item, "name", where), self.text(item, "arn", where),
                         str(item.get("path") or "/"), trust, self.optional_int(item, "max_session_duration", where),
                         self.optional_text(item, "last_used", where),
                         self.optional_object(item.get("perimeter"), f"{where}.perimeter"))

    def trust(self, item: dict[str, Any], document: Any, where: str) -> TrustEntry:
        if item.get("error") is not None:
            return TrustEntry(document, str(item["error"]))
        paths = self.array(item, "paths", where)
        return TrustEntry(document, None, bool(item.get("cross_account")), bool(item.get("public")),
                          None if item.get("mfa_or_external_id_required") is None
                          else bool(item["mfa_or_external_id_required"]),
                          self.texts(item.get("outside_accounts"), f"{where}.outside_accounts"),
                          tuple(self.object(p, f"{where}.paths[{i}]") for i, p in enumerate(paths)))

    def v2_account(self, value: Any, where: str) -> AccountEntry:
        item = self._account(value, where)
        trusts = [self.object(t, f"{where}.trusts[{i}]") for i, t in enumerate(self.array(item, "trusts", where))]
        entries = [self.trust(t, t.get("document"), f"{where}.trusts[{i}]") for i, t in enumerate(trusts)]
        roles = []
        for index, role in enumerate(self.array(item, "roles", where)):
            at = f"{where}.roles[{index}]"
            role = self.object(role, at)
            ref = role.get("trust")
            if not isinstance(ref, int) or isinstance(ref, bool) or not 0 <= ref < len(entries):
                raise self.fail(f"{at}.trust", f"does not refer to an entry of {where}.trusts")
            roles.append(self._role(role, entries[ref], at))
        return self._entry(item, roles, where)

    def v1_account(self, value: Any, where: str) -> AccountEntry:
        item = self._account(value, where)
        roles = []
        for index, role in enumerate(self.array(item, "roles", where)):
            at = f"{where}.roles[{index}]"
            role = self.object(role, at)
            roles.append(self._role(role, self.trust(role, role.get("trust_policy"), at), at))
        return self._entry(item, roles, where)

    def error(self, value: Any, where: str) -> CheckErrorEntry:
        item = self.object(value, where)
        return CheckErrorEntry(str(item.get("check") or ""), str(item.get("account_id") or ""),
                               str(item.get("resource") or ""), str(item.get("error") or ""))

    def suppressions(self, value: Any) -> SuppressionReport:
        item = self.optional_object(value, "suppressions") or {}

        def entries(key: str) -> tuple[SuppressionEntry, ...]:
            found = []
            for index, entry in enumerate(self.array(item, key, "suppressions")):
                at = f"suppressions.{key}[{index}]"
                entry = self.object(entry, at)
                found.append(SuppressionEntry(
                    self.optional_int(entry, "index", at) or 0, self.optional_text(entry, "check", at),
                    self.texts(entry.get("accounts"), f"{at}.accounts"), self.optional_text(entry, "resource", at),
                    str(entry.get("reason") or ""), self.optional_text(entry, "expires", at),
                    self.optional_int(entry, "findings", at) or 0))
            return tuple(found)

        return SuppressionReport(self.optional_text(item, "source", "suppressions"),
                                 self.optional_int(item, "entries", "suppressions") or 0,
                                 self.optional_text(item, "today", "suppressions"), entries("applied"),
                                 entries("expired"))

    def summary(self, value: Any, accounts: list[AccountEntry], findings: list[FindingEntry]) -> Summary:
        item = self.optional_object(value, "summary")
        if item is None:  # counted from the document itself
            return Summary(len(accounts), sum(1 for a in accounts if a.failed), sum(a.role_count for a in accounts),
                           {s: sum(1 for f in findings if f.severity == s and not f.suppressed) for s in SEVERITIES},
                           sum(1 for f in findings if f.suppressed))
        counts = self.optional_object(item.get("findings"), "summary.findings") or {}
        return Summary(self.optional_int(item, "accounts", "summary") or 0,
                       self.optional_int(item, "failed_accounts", "summary") or 0,
                       self.optional_int(item, "roles", "summary") or 0,
                       {s: int(counts.get(s) or 0) for s in SEVERITIES},
                       self.optional_int(item, "suppressed", "summary") or 0)


def _v1_checks(findings: list[Any]) -> dict[str, CheckEntry]:
    """The checks table of a v1 document: what its findings embedded, completed from the bundled catalogue.

    The first finding of each check gives the title, compliance mapping and remediation text v1
    wrote; the catalogue gives what v1 did not record (rationale, risk, references, the command's
    form with placeholders). A check the catalogue no longer has keeps v1's command as written.
    """
    catalogue = load_catalogue()
    checks = {key: CheckEntry.of(info) for key, info in catalogue.checks.items()}
    seen: set[str] = set()
    for finding in findings:
        check = finding["check"]
        if check in seen:
            continue
        seen.add(check)
        known = checks.get(check) or CheckEntry(check, check, finding["severity"])
        remediation = finding.get("remediation") if isinstance(finding.get("remediation"), Mapping) else {}
        compliance = finding.get("compliance") if isinstance(finding.get("compliance"), Mapping) else {}
        command = known.remediation.cli if check in catalogue.checks else str(remediation.get("cli") or "")
        checks[check] = CheckEntry(
            id=check,
            title=str(finding.get("title") or known.title),
            severity=known.severity,
            rationale=known.rationale,
            risk=known.risk,
            references=known.references,
            remediation=Remediation(str(remediation.get("text") or ""), command,
                                    str(remediation.get("terraform") or "")),
            compliance=tuple(Requirement(framework, str(r.get("id", "")), str(r.get("title", "")))
                             for framework, items in compliance.items() if isinstance(items, list)
                             for r in items if isinstance(r, Mapping)),
        )
    return checks
