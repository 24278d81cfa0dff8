"""``rolescope credentials``: credentials as ``credential_process`` JSON, for the AWS CLI and SDKs.

In ``~/.aws/config``::

    [profile audit-prod]
    credential_process = rolescope credentials -p admin -R arn:aws:iam::111122223333:role/RolescopeAudit --mfa-serial arn:aws:iam::444455556666:mfa/alice

The AWS CLI then uses rolescope's MFA prompt (on the terminal) and the shared credential cache: the
code is asked when the cached session has run out, not on every command.
"""  # noqa: E501

from __future__ import annotations

from datetime import UTC
from typing import Any

import click
import orjson
from rich.console import Console

from rolescope.auth.assume import credentials_expiry
from rolescope.cli.aws_options import AwsOptions, credential_options
from rolescope.cli.live import one_line_errors
from rolescope.cli.whoami import resolve


def process_document(frozen: Any, expiry: Any) -> dict[str, Any]:
    """The ``credential_process`` output: ``Version`` 1, keys, token and expiry (for temporary credentials)."""
    document: dict[str, Any] = {"Version": 1, "AccessKeyId": frozen.access_key, "SecretAccessKey": frozen.secret_key}
    if frozen.token:
        document["SessionToken"] = frozen.token
    if expiry is not None:
        document["Expiration"] = expiry.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return document


@click.command("credentials")
@credential_options("Assume this role (with -I, -T, --mfa... as given) and print its temporary credentials "
                    "instead of the caller's.")
def credentials(**params: Any) -> None:
    """Print credentials (after -R, the role's) as credential_process JSON."""
    options = AwsOptions.from_params(params)
    stderr = Console(stderr=True)
    with one_line_errors():
        _, _, held = resolve(options, stderr)
        frozen = held.get_frozen_credentials()
    click.echo(orjson.dumps(process_document(frozen, credentials_expiry(held)), option=orjson.OPT_INDENT_2).decode())
