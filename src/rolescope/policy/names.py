"""IAM's rules for role names and paths: what IAM would accept in a call naming the role."""

from __future__ import annotations

import re

ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
# "/" alone, or "/" + printable ASCII + "/", at most 512 characters (IAM API reference, "Path").
ROLE_PATH = re.compile(r"/|/[\x21-\x7e]{1,510}/")


def role_name_problem(name: str, path: str) -> str | None:
    """Why IAM would refuse a call naming the role ``path`` + ``name``, or ``None`` when it would not."""
    if not ROLE_NAME.fullmatch(name):
        return f"IAM refuses the role name {name!r} (1 to 64 letters, digits and +=,.@_-)"
    if not ROLE_PATH.fullmatch(path):
        return f"IAM refuses the role path {path!r} (/, or / and printable ASCII ending in /, up to 512 characters)"
    return None
