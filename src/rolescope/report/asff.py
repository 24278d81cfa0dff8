"""AWS Security Finding Format (ASFF): the findings as Security Hub's ``BatchImportFindings`` takes them.

The file is a JSON array, so ``aws securityhub batch-import-findings --findings file://...`` sends it
as it is (up to 100 at a time); ``--security-hub`` sends it itself (see :mod:`.security_hub`).

Security Hub tells a new finding from an update by ``Id`` within a product, so the id is the
finding's stable fingerprint: a second scan updates the findings of the first instead of adding to
them. The product is the account's own custom integration (``product/ACCOUNT/default``), which
Security Hub accepts only from that account for that account's findings. Security Hub limits text
fields (a title to 256 characters, a description to 1,024...), so longer text is cut with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from rolescope.policy.arn import parse_arn
from rolescope.report.model import FindingEntry, ScanDocument

SCHEMA_VERSION = "2018-10-08"
DEFAULT_REGION = "us-east-1"
ID_PREFIX = "rolescope/"
FINDING_TYPES = ["Software and Configuration Checks/AWS Security Best Practices"]
LABELS = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFORMATIONAL"}
# ProductFields keys the sender reads back to know which findings of a previous run this scan covers.
CHECK_FIELD, SEVERITY_FIELD = "rolescope/check", "rolescope/severity"
TITLE_LIMIT, DESCRIPTION_LIMIT, RECOMMENDATION_LIMIT, FIELD_LIMIT = 256, 1024, 512, 2048
MAX_REQUIREMENTS = 32


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, whitespace runs made one space, an ellipsis where it was cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def product_arn(account_id: str, region: str, partition: str = "aws") -> str:
    """The ARN of an account's own custom integration, the product its findings are imported under."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def finding_id(finding: FindingEntry) -> str:
    """The ASFF ``Id``: the fingerprint, the same in every scan, so Security Hub updates, not duplicates."""
    return ID_PREFIX + finding.id


def asff_time(moment: datetime) -> str:
    """A time as Security Hub writes it: ISO 8601 in UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def scan_time(document: ScanDocument) -> str:
    """The scan's time (see :func:`asff_time`); the epoch when the document has none."""
    try:
        return asff_time(datetime.fromisoformat(document.generated_at))
    except ValueError:
        return asff_time(datetime.fromtimestamp(0, UTC))


def _role_resource(finding: FindingEntry, document: ScanDocument, partition: str, region: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": "AwsIamRole", "Id": finding.resource, "Partition": partition,
                                "Region": region}
    role = document.role(finding.resource)
    if role is not None:
        details: dict[str, Any] = {"RoleName": role.name, "Path": role.path,
                                   "AssumeRolePolicyDocument": orjson.dumps(role.trust.document).decode()}
        if role.max_session_duration is not None:
            details["MaxSessionDuration"] = role.max_session_duration
        resource["Details"] = {"AwsIamRole": details}
    return resource


def _product_fields(finding: FindingEntry, document: ScanDocument) -> dict[str, str]:
    fields = {"ProviderName": "rolescope", "ProviderVersion": document.tool.version or "unknown",
              CHECK_FIELD: finding.check, SEVERITY_FIELD: finding.severity,
              "rolescope/fingerprint": finding.id}
    if finding.statement is not None:
        fields["rolescope/statement"] = str(finding.statement)
    if finding.overridden is not None:
        fields["rolescope/severity_override"] = cut(
            f"catalogue: {finding.overridden.default}; {finding.overridden.reason}", FIELD_LIMIT)
    remediation_cli = document.remediation_cli(finding)
    if remediation_cli:
        fields["rolescope/remediation_cli"] = cut(remediation_cli, FIELD_LIMIT)
    return fields


def asff_finding(finding: FindingEntry, document: ScanDocument, region: str) -> dict[str, Any]:
    """One finding as an ASFF finding of its account's custom integration in ``region``.

    Args:
        finding: one of the document's findings.
        document: the scan document (time, check text, compliance, the role's trust policy).
        region: the Security Hub region the finding is for (part of the product ARN).
    """
    check = document.check(finding.check)
    parsed = parse_arn(finding.resource)
    partition = parsed.partition if parsed is not None else "aws"
    when = scan_time(document)
    severity = {"Label": LABELS.get(finding.severity, "INFORMATIONAL"), "Original": finding.severity}
    requirements = [f"{r.framework}/{r.id}" for r in check.compliance][:MAX_REQUIREMENTS]
    compliance: dict[str, Any] = {"Status": "FAILED"}
    if requirements:
        compliance["RelatedRequirements"] = requirements
    recommendation: dict[str, str] = {"Text": cut(check.remediation.text or check.title, RECOMMENDATION_LIMIT)}
    if check.references:
        recommendation["Url"] = check.references[0]
    found: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(finding),
        "ProductArn": product_arn(finding.account_id, region, partition),
        "ProductName": "rolescope",
        "CompanyName": "rolescope",
        "Region": region,
        "GeneratorId": ID_PREFIX + finding.check,
        "AwsAccountId": finding.account_id,
        "Types": list(FINDING_TYPES),
        "FirstObservedAt": when,
        "LastObservedAt": when,
        "CreatedAt": when,
        "UpdatedAt": when,
        "Severity": severity,
        "FindingProviderFields": {"Severity": dict(severity), "Types": list(FINDING_TYPES)},
        "Title": cut(check.title, TITLE_LIMIT),
        "Description": cut(finding.message or check.rationale or check.title, DESCRIPTION_LIMIT),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": _product_fields(finding, document),
        "Resources": [_role_resource(finding, document, partition, region)],
        "Compliance": compliance,
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "SUPPRESSED" if finding.suppressed else "NEW"},
    }
    if check.references:
        found["SourceUrl"] = check.references[0]
    if finding.suppressed:
        found["Note"] = {"Text": cut(f"suppressed: {finding.suppressed}", 512), "UpdatedBy": "rolescope",
                         "UpdatedAt": when}
    return found


def asff_findings(document: ScanDocument, region: str) -> list[dict[str, Any]]:
    """Every finding of the document as ASFF (see :func:`asff_finding`)."""
    return [asff_finding(finding, document, region) for finding in document.findings]


def asff_writer(region: str) -> Callable[[ScanDocument, BinaryIO], None]:
    """The writer of the ``asff`` format for findings in ``region``: a JSON array, one finding a line."""

    def write_asff(document: ScanDocument, stream: BinaryIO) -> None:
        stream.write(b"[")
        for position, finding in enumerate(document.findings):
            stream.write((b",\n" if position else b"\n") + orjson.dumps(asff_finding(finding, document, region)))
        stream.write(b"\n]\n")

    return write_asff
