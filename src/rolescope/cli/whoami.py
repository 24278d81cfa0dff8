"""``rolescope whoami``: who the credentials are, and when a role session expires."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
import orjson
from rich.console import Console

from rolescope.auth.assume import credentials_expiry
from rolescope.auth.broker import SessionBroker
from rolescope.auth.clients import client_config
from rolescope.auth.identity import Identity, caller_identity
from rolescope.auth.targets import Target
from rolescope.cli.aws_options import AwsOptions, check_combinations, credential_options
from rolescope.cli.live import one_line_errors, open_broker
from rolescope.cli.say import say


def resolve(options: AwsOptions, stderr: Console) -> tuple[SessionBroker, Target, Any]:
    """The broker, the one target (``-R`` or the caller), and its credentials, fetched."""
    check_combinations(options, single_role=True)
    broker = open_broker(options, stderr)
    if options.role_arns:
        arn = options.role_arns[0]
        target = Target(arn.account_id, arn.arn)
    else:
        target = Target("", None)
    broker.prepare([target])
    credentials = broker.credentials_for(target)
    credentials.get_frozen_credentials()
    return broker, target, credentials


def describe_expiry(expiry: datetime | None, now: datetime) -> str:
    if expiry is None:
        return "never (long-term keys)"
    minutes = int((expiry - now).total_seconds() // 60)
    left = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 0)} min"
    return f"{expiry.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC (in {left})"


@click.command("whoami")
@credential_options("Assume this role first (with -I, -T, --mfa... as given), then show the role session's "
                    "identity and when it expires instead of the caller's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def whoami(as_json: bool, **params: Any) -> None:
    """Print the caller identity (after -R, the role's) and when its session expires."""
    options = AwsOptions.from_params(params)
    stderr = Console(stderr=True)
    with one_line_errors():
        broker, target, credentials = resolve(options, stderr)
        session = broker.base.session_with(credentials, broker.base.region)
        identity: Identity = caller_identity(session.client("sts", config=client_config()))
    expiry = credentials_expiry(credentials)
    if as_json:
        click.echo(orjson.dumps({
            "Account": identity.account_id,
            "Arn": identity.arn,
            "UserId": identity.user_id,
            "Expiration": expiry.astimezone(UTC).isoformat() if expiry else None,
            "Via": target.role_arn or f"profile {broker.base.profile}",
        }, option=orjson.OPT_INDENT_2).decode())
        return
    say(f"Account  {identity.account_id}")
    say(f"Arn      {identity.arn}")
    say(f"UserId   {identity.user_id}")
    say(f"Expires  {describe_expiry(expiry, datetime.now(UTC))}")
    say(f"Via      {target.role_arn or 'profile ' + broker.base.profile}")
