"""``--security-hub``: send a finished scan's findings to Security Hub with the default credentials.

boto3 is imported only when findings are sent. The client retries throttling and transient errors in
botocore's ``standard`` mode; a batch still failing after that is reported finding by finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rolescope.cli.errors import EXIT_ACCOUNTS, EXIT_OK
from rolescope.cli.say import say
from rolescope.policy.arn import parse_arn
from rolescope.report.asff import asff_time
from rolescope.report.model import ScanDocument
from rolescope.report.security_hub import BatchFailure, HubReport, HubTarget, send_findings
from rolescope.wording import count

MAX_ATTEMPTS = 5


class BotoSecurityHub:
    """A boto3 Security Hub client whose failed imports raise :class:`BatchFailure` (the sender's error)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def batch_import_findings(self, **kwargs: Any) -> Mapping[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer: Mapping[str, Any] = self._client.batch_import_findings(**kwargs)
        except ClientError as error:
            raise BatchFailure(error.response.get("Error", {}).get("Code", "ClientError"), str(error)) from None
        except BotoCoreError as error:
            raise BatchFailure(type(error).__name__, str(error)) from None
        return answer

    def get_findings(self, **kwargs: Any) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = self._client.get_findings(**kwargs)
        return answer


def say_hub_report(report: HubReport, target: HubTarget) -> int:
    """The sending's outcome on stderr; the exit code it calls for (3 when findings were refused)."""
    say(f"rolescope: Security Hub ({target.region}, account {target.account_id}): "
        f"{count(report.imported, 'finding')} imported, {report.archived} archived, {len(report.failed)} failed",
        err=True)
    for failed in report.failed:
        say(f"rolescope: error: Security Hub refused {failed.id}: {failed.code} {failed.message}", err=True)
    if report.other_accounts:
        say(f"rolescope: note: findings of {count(len(report.other_accounts), 'other account')} not sent "
            f"(Security Hub takes an account's findings only from that account): "
            f"{', '.join(report.other_accounts)}", err=True)
    return EXIT_ACCOUNTS if report.failed else EXIT_OK


def send_to_security_hub(document: ScanDocument, region: str) -> int:
    """Send ``document``'s findings as the default credentials' account to Security Hub in ``region``.

    Returns:
        the exit code the sending calls for.
    """
    import boto3
    from botocore.config import Config

    from rolescope.cli.live import AwsFailure, one_line_errors

    try:
        with one_line_errors():
            session = boto3.session.Session(region_name=region)
            config = Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS})
            caller = session.client("sts", config=config).get_caller_identity()
            parsed = parse_arn(caller["Arn"])
            target = HubTarget(caller["Account"], region, parsed.partition if parsed is not None else "aws")
            client = BotoSecurityHub(session.client("securityhub", config=config))
            report = send_findings(client, document, target, asff_time(datetime.now(UTC)))
    except AwsFailure as failure:  # the reports are written; say it is the sending that failed
        raise AwsFailure(f"--security-hub: {failure.format_message()}") from None
    return say_hub_report(report, target)
