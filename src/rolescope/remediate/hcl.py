"""JSON values written as Terraform (HCL2) expressions, with HCL's template sequences escaped.

A policy string such as ``${aws:username}`` would be a Terraform interpolation if pasted verbatim;
here it becomes ``$${aws:username}``, which Terraform reads back as the literal text.
"""

from __future__ import annotations

import re
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string(value: str) -> str:
    """A quoted HCL string literal whose value is exactly ``value``."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    text = "".join(out).replace("${", "$${").replace("%{", "%%{")
    return f'"{text}"'


def _key(key: str) -> str:
    return key if _IDENTIFIER.match(key) and key not in ("null", "true", "false") else string(key)


def expression(value: Any, indent: int = 0) -> str:
    """``value`` (decoded JSON) as an HCL expression; objects and lists span lines, indented by two.

    Args:
        value: a JSON value.
        indent: the indentation of the line the expression starts on.
    """
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{_key(str(k))} = {expression(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(isinstance(v, str) for v in value) and len(value) <= 3:
            return "[" + ", ".join(string(v) for v in value) + "]"
        items = [f"{pad}{expression(v, indent + 1)}," for v in value]
        return "[\n" + "\n".join(items) + "\n" + "  " * indent + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    return string(str(value))
