"""``rolescope check-iac``: the trust policies in CloudFormation/SAM/CDK templates and Terraform, before deploy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from rolescope.atomic_write import write_atomic
from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings
from rolescope.cli.choices import severity_choice
from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.config_file import configured
from rolescope.cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from rolescope.cli.inputs import account_id_option, account_list, org_id_option
from rolescope.cli.say import say, say_block
from rolescope.iac.formats import FORMATS, console_lines, render_csv, render_json, render_sarif
from rolescope.iac.run import IacResult, check_iac
from rolescope.policy.arn import PARTITIONS
from rolescope.policy.request_time import epoch_seconds
from rolescope.trust.witness import Zone


@click.command("check-iac")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option("--account-id", required=True, callback=account_id_option,
              help="The account the templates deploy to (AWS::AccountId; who counts as outside).")
@click.option("--org-id", callback=org_id_option, help="The organisation the account belongs to (o-...).")
@click.option("--trusted-accounts", help="Accounts outside the organisation you trust: ID,ID,...")
@click.option("--partition", type=click.Choice(sorted(PARTITIONS)), default="aws", show_default=True,
              help="The partition the templates deploy to (AWS::Partition).")
@as_of_option
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="console", show_default=True,
              help="console for people, json for scripts, sarif for code scanning, csv for spreadsheets.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (replaced whole, never half-written) instead of standard output.")
@click.option("--fail-on", type=severity_choice(), help="Exit 1 when an unsuppressed finding is at least this severe.")
def check_iac_command(paths: tuple[Path, ...], account_id: str, org_id: str | None, trusted_accounts: str | None,
                      partition: str, as_of: datetime | None, output_format: str, output: Path | None,
                      fail_on: str | None) -> None:
    """Check every IAM role trust policy in CloudFormation/SAM/CDK templates (YAML, JSON), Terraform plans
    (terraform show -json) and Terraform source (.tf), in the files given and under the directories given.
    A file that cannot be read is reported and the others are still checked (exit 2 at the end)."""
    clock = scan_clock(as_of)
    settings = configured(CheckSettings(trusted_accounts=account_list(trusted_accounts), now=clock))
    zone = Zone(account_id, partition, org_id, clock=epoch_seconds(clock))
    result = check_iac(paths, zone, settings)
    text = _render(result, output_format, account_id)
    if output is None and output_format == "console":
        say_block(text, nl=False)  # a template's names reach the terminal: control characters shown, not run
    elif output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    for error in result.errors:
        say(f"rolescope: error: {error}", err=True)
    raise click.exceptions.Exit(exit_code(result, fail_on))


def _render(result: IacResult, output_format: str, account_id: str) -> str:
    if output_format == "json":
        return render_json(result, account_id)
    if output_format == "sarif":
        return render_sarif(result)
    if output_format == "csv":
        return render_csv(result)
    return "".join(line + "\n" for line in console_lines(result))


def exit_code(result: IacResult, fail_on: str | None) -> int:
    """As ``scan``: 0 done, 1 findings at or above ``fail_on``, 2 a file could not be checked; the highest wins."""
    if result.errors:
        return EXIT_USAGE
    if fail_on and any(severity_rank(f.severity) <= severity_rank(fail_on)
                       for f in result.findings if not f.suppressed):
        return EXIT_FINDINGS
    return EXIT_OK
