"""``rolescope template``: print the read-only audit role rolescope needs, for CloudFormation or Terraform."""

from __future__ import annotations

from pathlib import Path

import click

from rolescope.atomic_write import write_atomic
from rolescope.audit_role import (
    AuditRole,
    TemplateError,
    cloudformation,
    render_cloudformation,
    stackset,
    terraform,
)
from rolescope.cli.errors import InputError
from rolescope.cli.say import say
from rolescope.remediate.fixers import new_external_id


@click.command("template")
@click.argument("kind", type=click.Choice(["cloudformation", "terraform", "stackset"]))
@click.option("--auditor", required=True, metavar="ARN|ACCOUNT",
              help="Who may assume the role: the ARN of the role or user rolescope runs as (or an account id).")
@click.option("--external-id", help="The ExternalId to require (default: a fresh random one, printed on stderr).")
@click.option("--mfa", is_flag=True, help="Also require MFA (for a person running rolescope with --mfa).")
@click.option("--max-session-duration", type=click.IntRange(3600, 43200), default=3600, show_default=True,
              metavar="SECONDS", help="The role's MaxSessionDuration.")
@click.option("--role-name", default="RolescopeAudit", show_default=True, help="The role's name.")
@click.option("--ou", "units", multiple=True, metavar="OU", help="stackset: an organisational unit (repeatable).")
@click.option("--region", help="stackset: the one region the stack instances go to (IAM is global). "
                               "Default: us-east-1.")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]),
              help="cloudformation/stackset: YAML (default) or JSON.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
def template(kind: str, auditor: str, external_id: str | None, mfa: bool, max_session_duration: int, role_name: str,
             units: tuple[str, ...], region: str | None, output_format: str | None, output: Path | None) -> None:
    """Print the audit role: SecurityAudit plus exactly what collection calls, trusting the auditor with an
    ExternalId (and MFA with --mfa). KIND is cloudformation, terraform, or stackset (every account of --ou)."""
    if kind != "stackset" and (units or region):
        raise InputError("--ou and --region are for the stackset template")
    if kind == "terraform" and output_format:
        raise InputError("--format is for the cloudformation and stackset templates")
    role = AuditRole(auditor, external_id or new_external_id(), mfa, max_session_duration, role_name)
    try:
        warnings = role.validate()
        if kind == "terraform":
            text = terraform(role)
        elif kind == "stackset":
            text = render_cloudformation(stackset(role, list(units), region or "us-east-1"), output_format or "yaml")
        else:
            text = render_cloudformation(cloudformation(role), output_format or "yaml")
    except TemplateError as error:
        raise InputError(str(error)) from None
    for warning in warnings:
        say(f"rolescope: warning: {warning}", err=True)
    if external_id is None:
        say(f"rolescope: generated ExternalId {role.external_id}: scan with -I {role.external_id}", err=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
