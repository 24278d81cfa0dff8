"""How a corrected trust policy is shown and handed over: the JSON IAM receives, a unified diff, the
AWS CLI command and the Terraform ``assume_role_policy``."""

from __future__ import annotations

import difflib
import hashlib
import shlex
from typing import Any

import orjson

from rolescope.remediate import hcl


def policy_text(document: dict[str, Any]) -> str:
    """The document as rolescope writes it to IAM and shows it: two-space indented JSON, keys in order."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8")


def digest(document: Any) -> str:
    """SHA-256 of the document's canonical JSON (sorted keys): equal documents, equal digests."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def unified_diff(before: dict[str, Any], after: dict[str, Any], name: str) -> str:
    """A unified diff of the two documents as :func:`policy_text` prints them."""
    lines = difflib.unified_diff(
        _lines(policy_text(before)),
        _lines(policy_text(after)),
        fromfile=f"{name} (current)",
        tofile=f"{name} (corrected)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line of JSON: str.splitlines() would also split a string value at U+2028,
    # U+0085 or a form feed a policy may hold, and the diff would show a string cut in two.
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def cli_command(role_name: str, document: dict[str, Any]) -> str:
    """The ``aws iam update-assume-role-policy`` command that applies ``document``, quoted for a POSIX shell."""
    compact = orjson.dumps(document).decode("utf-8")
    return (f"aws iam update-assume-role-policy --role-name {shlex.quote(role_name)} "
            f"--policy-document {shlex.quote(compact)}")


def terraform(role_arn: str, document: dict[str, Any]) -> str:
    """The ``assume_role_policy`` argument of the role's ``aws_iam_role``, as ``jsonencode({...})``."""
    return f"# aws_iam_role for {role_arn}\nassume_role_policy = jsonencode({hcl.expression(document)})\n"
