"""Sending a scan's findings to Security Hub: imported, updated across scans, and archived when gone.

Security Hub's default product takes, from an account, only that account's findings, so the findings of
the calling account are sent and those of other accounts are counted as not sent (each account sends
its own). A finding's ``Id`` is its stable fingerprint, so a new scan's import updates the findings of
the last one (keeping when each was first seen). A finding a previous scan sent that this scan, looking
at the same account, checks and severities, no longer makes is gone: it is re-imported with
``RecordState: ARCHIVED``. Findings this scan did not look for (another account, a check left out,
a severity filtered away) are left as they are.

The client is injected (a botocore Security Hub client; the CLI makes it with standard retries), so
this module never imports an AWS SDK.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rolescope.report.asff import CHECK_FIELD, ID_PREFIX, SEVERITY_FIELD, asff_findings, product_arn
from rolescope.report.model import ScanDocument

BATCH_SIZE = 100  # BatchImportFindings takes at most 100 findings a call
PAGE_SIZE = 100


class SecurityHubClient(Protocol):
    """The two Security Hub calls the sender makes (a boto3 ``securityhub`` client has them)."""

    def batch_import_findings(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_findings(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class HubTarget:
    """Where findings go: the calling account, its partition, and the Security Hub region."""

    account_id: str
    region: str
    partition: str = "aws"

    @property
    def product_arn(self) -> str:
        return product_arn(self.account_id, self.region, self.partition)


@dataclass(frozen=True, slots=True)
class FailedFinding:
    """A finding Security Hub refused (or a call that failed for a whole batch), with its reason."""

    id: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class HubReport:
    """What the sending did.

    Attributes:
        imported: findings of this scan that Security Hub took (new or updated).
        archived: findings of earlier scans, gone now, that it archived.
        failed: the findings it refused.
        other_accounts: accounts whose findings were not sent (Security Hub takes them only from the account).
    """

    imported: int
    archived: int
    failed: tuple[FailedFinding, ...]
    other_accounts: tuple[str, ...]


class BatchFailure(Exception):
    """A BatchImportFindings call that failed as a whole (after the client's retries): its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def previous_findings(client: SecurityHubClient, target: HubTarget) -> dict[str, Mapping[str, Any]]:
    """rolescope's active findings in the target's product, by id.

    The filter is also applied here, because not every Security Hub (moto's, for one) applies it.
    """
    filters = {"ProductArn": [{"Value": target.product_arn, "Comparison": "EQUALS"}],
               "GeneratorId": [{"Value": ID_PREFIX, "Comparison": "PREFIX"}],
               "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}]}
    found: dict[str, Mapping[str, Any]] = {}
    token: str | None = None
    while True:
        page = client.get_findings(Filters=filters, MaxResults=PAGE_SIZE, **({"NextToken": token} if token else {}))
        for finding in page.get("Findings", ()):
            if (finding.get("ProductArn") == target.product_arn and finding.get("RecordState", "ACTIVE") == "ACTIVE"
                    and str(finding.get("GeneratorId", "")).startswith(ID_PREFIX)):
                found[str(finding["Id"])] = finding
        token = page.get("NextToken")
        if not token:
            return found


def covered_by(document: ScanDocument, finding: Mapping[str, Any]) -> bool:
    """Whether the scan looked for ``finding`` (an earlier scan's): its account, check and severity."""
    fields = finding.get("ProductFields") or {}
    scope = document.scope
    account = finding.get("AwsAccountId")
    return (account in document.scanned_accounts and (scope.accounts is None or account in scope.accounts)
            and fields.get(CHECK_FIELD) in scope.checks and fields.get(SEVERITY_FIELD) in scope.severities)


def _chunks(items: Sequence[Mapping[str, Any]], size: int) -> Iterator[Sequence[Mapping[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _import(client: SecurityHubClient, batch: Sequence[Mapping[str, Any]]) -> list[FailedFinding]:
    try:
        answer = client.batch_import_findings(Findings=list(batch))
    except BatchFailure as failure:
        return [FailedFinding(str(f["Id"]), failure.code, failure.message) for f in batch]
    return [FailedFinding(str(f.get("Id", "")), str(f.get("ErrorCode", "")), str(f.get("ErrorMessage", "")))
            for f in answer.get("FailedFindings", ())]


def send_findings(client: SecurityHubClient, document: ScanDocument, target: HubTarget, now: str) -> HubReport:
    """Import the target account's findings, archive its earlier ones that are gone; report what happened.

    Args:
        client: a Security Hub client in ``target.region``, as ``target.account_id``; a call that fails as a
            whole raises :class:`BatchFailure` (the CLI's client adapter turns SDK errors into it).
        document: the finished scan.
        target: the calling account, its partition and the region.
        now: the time of the archiving (ISO 8601, ``Z``), later than the findings' last update.
    """
    current = [dict(f) for f in asff_findings(document, target.region) if f["AwsAccountId"] == target.account_id]
    for finding in current:
        finding["ProductArn"] = target.product_arn
    earlier = previous_findings(client, target)
    for finding in current:
        seen = earlier.get(finding["Id"])
        if seen is not None:  # the same problem, still there: keep when it was first found
            finding["CreatedAt"] = seen.get("CreatedAt", finding["CreatedAt"])
            finding["FirstObservedAt"] = seen.get("FirstObservedAt", finding["FirstObservedAt"])
    ids = {finding["Id"] for finding in current}
    gone = [{**finding, "RecordState": "ARCHIVED", "UpdatedAt": now} for key, finding in sorted(earlier.items())
            if key not in ids and covered_by(document, finding)]
    failed: list[FailedFinding] = []
    for batch in _chunks([*current, *gone], BATCH_SIZE):
        failed += _import(client, batch)
    refused = {f.id for f in failed}
    others = sorted({f.account_id for f in document.findings} - {target.account_id})
    return HubReport(sum(1 for f in current if f["Id"] not in refused), sum(1 for f in gone if f["Id"] not in refused),
                     tuple(failed), tuple(others))
