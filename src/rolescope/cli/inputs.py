"""Reading what the user points the CLI at, with one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from rolescope.cli.errors import InputError
from rolescope.policy.arn import ACCOUNT_ID, ORG_ID, ORG_ID_SHAPE
from rolescope.policy.control import ControlKind, parse_control_policy
from rolescope.policy.errors import PolicyError
from rolescope.policy.limits import PolicyTooLarge, SizeLimit, check_size
from rolescope.policy.model import PolicyDocument
from rolescope.policy.parse import parse_policy
from rolescope.trust.given_perimeter import GivenPolicy
from rolescope.userfiles import UnreadableFile, read_user_text


def read_text(path: str) -> str:
    """The content of ``path``, or of standard input for ``-``."""
    if path == "-":
        return sys.stdin.read()
    try:
        return read_user_text(path, "a policy file")
    except UnreadableFile as error:
        raise InputError(str(error)) from None


def read_policy(path: str, limit: SizeLimit | None = None) -> PolicyDocument:
    """Parse the trust policy in ``path`` (or stdin); a bad one, or one larger than ``limit``, is a
    one-line :class:`InputError`."""
    text = read_text(path)
    name = "<stdin>" if path == "-" else path
    if not text.strip():
        raise InputError(f"{name}: empty, expected a trust policy")
    try:
        if limit is not None:
            check_size(text, limit)
        return parse_policy(text)
    except PolicyTooLarge as error:
        raise InputError(f"{name}: {error}; --no-size-limit analyses it anyway") from None
    except PolicyError as error:
        raise InputError(f"{name}: {error}") from None


def account_id_option(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """Click callback: a 12-digit account id."""
    if value is not None and not ACCOUNT_ID.match(value):
        raise click.BadParameter(f"{value!r} is not a 12-digit AWS account id")
    return value


def org_id_option(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """Click callback: an organisation id (``o-`` and 10 to 32 lowercase letters or digits)."""
    if value is not None and not ORG_ID.match(value):
        raise click.BadParameter(f"{value!r} is not an organisation id ({ORG_ID_SHAPE})")
    return value


def account_list(value: str | None) -> frozenset[str]:
    """``ID,ID,...`` as a set of account ids; a malformed id is an :class:`InputError`."""
    if not value:
        return frozenset()
    ids = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in ids if not ACCOUNT_ID.match(v)]
    if bad:
        raise InputError(f"not a 12-digit AWS account id: {bad[0]!r}")
    return frozenset(ids)


def read_control_policies(paths: Sequence[str], kind: ControlKind) -> list[GivenPolicy]:
    """Parse the SCP or RCP files ``paths``; a bad one is a one-line :class:`InputError` naming it."""
    found = []
    for path in paths:
        text = read_text(path)
        name = "<stdin>" if path == "-" else path
        try:
            found.append(GivenPolicy(name, parse_control_policy(text, kind)))
        except PolicyError as error:
            what = "an RCP" if kind is ControlKind.RCP else "an SCP"
            raise InputError(f"{name}: not {what}: {error}") from None
    return found
