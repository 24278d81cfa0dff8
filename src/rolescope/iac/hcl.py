"""Terraform source (``.tf``, read with python-hcl2): every ``aws_iam_role``'s ``assume_role_policy``.

The policy may be ``jsonencode({...})``, a heredoc or string of JSON, or a reference to a
``data "aws_iam_policy_document"`` block of the same file, whose ``statement`` blocks
(``principals``, ``not_principals``, ``condition``) become the policy. Interpolations resolve where
the directory says: a ``variable`` default or a literal ``locals`` value in any ``.tf`` file beside
it, ``data.aws_caller_identity.*.account_id`` as the deploying account and
``data.aws_partition.*.partition`` as its partition. Everything else is unknown — any value
(:mod:`rolescope.iac.unknowns`); Terraform's variable validations do not pin values.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import orjson
from lark.exceptions import LarkError

from rolescope.iac.model import TemplateError, TemplateRole, Unknown, Variant
from rolescope.iac.suppressions import comment_suppressions
from rolescope.iac.unknowns import marker

ROLE_TYPE = "aws_iam_role"
DOCUMENT_TYPE = "aws_iam_policy_document"
_OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, preserve_heredocs=True)
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_HEREDOC = re.compile(r"\A<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n(.*?)\n?[ \t]*\2\Z", re.DOTALL)
_JSONENCODE = re.compile(r"\A\$\{\s*jsonencode\((.*)\)\s*\}\Z", re.DOTALL)
_DOCUMENT_REFERENCE = re.compile(r"\A\$\{\s*data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\s*\}\Z")
_STATEMENT_KEYS = {"sid": "Sid", "effect": "Effect", "actions": "Action", "not_actions": "NotAction"}


# Each directory's .tf files, parsed once per run: every file of a directory sees its siblings' variables,
# and a directory of many files must not be parsed once per file. The caller owns the cache (one per run).
DirectoryCache = dict[Path, list[tuple[Path, dict[str, Any]]]]


def directory_files(file: Path, cache: DirectoryCache) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """``file`` parsed (``None``: not as the directory was read) and the ``.tf`` files beside it, parsed."""
    directory = file.parent.resolve()
    if directory not in cache:
        cache[directory] = list(_parsed_files(directory))
    own = next((data for path, data in cache[directory] if path.name == file.name), None)
    return own, [data for path, data in cache[directory] if path.name != file.name]


def hcl_roles(path: str, text: str, account_id: str, partition: str,
              siblings: Iterable[dict[str, Any]] = (), parsed: dict[str, Any] | None = None) -> list[TemplateRole]:
    """The roles of the Terraform file ``text`` (shown as ``path``); ``siblings``: the other ``.tf`` files
    of its directory, parsed (their variable defaults and locals resolve references); ``parsed``: ``text``
    already parsed."""
    data = parsed if parsed is not None else _parse(text)
    scope = _Scope(account_id, partition)
    for sibling in siblings:
        scope.learn(sibling)
    scope.learn(data)
    documents = {name: body for name, body in _blocks(data, "data", DOCUMENT_TYPE)}
    commented = comment_suppressions(text, _block_starts(text))
    roles = []
    for name, body in _blocks(data, "resource", ROLE_TYPE):
        address = f"{ROLE_TYPE}.{name}"
        scope.unknowns = []
        policy = body.get("assume_role_policy")
        document, statement_lines = _document(address, policy, documents, scope, text)
        # a comment in or above the policy-document data source the role uses counts for the role
        reference = _DOCUMENT_REFERENCE.match(policy) if isinstance(policy, str) else None
        suppressions = commented.get(address, ()) + (
            commented.get(f"data.{DOCUMENT_TYPE}.{reference.group(1)}", ()) if reference else ())
        roles.append(TemplateRole(path, address, block_line(text, "resource", ROLE_TYPE, name),
                                  (Variant(document, (), statement_lines),), tuple(scope.unknowns), suppressions))
    return roles


def _parse(text: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = hcl2.loads(text, serialization_options=_OPTIONS)
    except LarkError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise TemplateError(f"not valid HCL: {first}") from None
    return data


def _parsed_files(directory: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for file in sorted(directory.glob("*.tf")):
        try:
            yield file, _parse(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, TemplateError):
            continue  # a broken file is reported when it is checked itself; here it only gives no values


def _blocks(data: dict[str, Any], kind: str, block_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for entry in data.get(kind) or ():
        for name, body in (entry.get(block_type) or {}).items() if isinstance(entry, dict) else ():
            if isinstance(body, dict):
                yield str(name), body


_TOP_LEVEL_BLOCK = re.compile(r'^([a-z_]+)((?:[ \t]+"[^"\n]*")*)[ \t]*\{', re.MULTILINE)


def _block_starts(text: str) -> dict[str, int]:
    """Every top-level block's line, by its address (``aws_iam_role.r``, ``data.T.N``, ``locals``...)."""
    starts: dict[str, int] = {}
    for match in _TOP_LEVEL_BLOCK.finditer(text):
        kind, labels = match.group(1), re.findall(r'"([^"]*)"', match.group(2))
        address = ".".join(labels) if kind == "resource" else ".".join([kind, *labels])
        starts.setdefault(address, text.count("\n", 0, match.start()) + 1)
    return starts


def block_line(text: str, kind: str, block_type: str, name: str) -> int:
    """The line of ``KIND "TYPE" "NAME" {`` in ``text`` (0 when not found)."""
    found = re.search(rf'^[ \t]*{kind}[ \t]+"{re.escape(block_type)}"[ \t]+"{re.escape(name)}"', text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 0


@dataclass(slots=True)
class _Scope:
    account_id: str
    partition: str
    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)

    def learn(self, data: dict[str, Any]) -> None:
        """Take in the variable defaults and literal locals of one file."""
        for entry in data.get("variable") or ():
            for name, body in entry.items() if isinstance(entry, dict) else ():
                if isinstance(body, dict) and "default" in body and not _has_interpolation(body["default"]):
                    self.variables[name] = body["default"]
        for entry in data.get("locals") or ():
            for name, value in entry.items() if isinstance(entry, dict) else ():
                if not name.startswith("__") and not _has_interpolation(value):
                    self.locals[name] = value

    def unknown(self, reason: str) -> str:
        item = Unknown(reason)
        if item not in self.unknowns:
            self.unknowns.append(item)
        return marker(self.unknowns.index(item))

    def reference(self, expression: str) -> Any:
        """The value of one ``${...}`` expression, or an unknown marker."""
        expression = expression.strip()
        parts = expression.split(".")
        if len(parts) == 2 and parts[0] == "var" and parts[1] in self.variables:
            return self.variables[parts[1]]
        if len(parts) == 2 and parts[0] == "local" and parts[1] in self.locals:
            return self.locals[parts[1]]
        if parts[:2] == ["data", "aws_caller_identity"] and parts[-1] == "account_id":
            return self.account_id
        if parts[:2] == ["data", "aws_partition"] and parts[-1] == "partition":
            return self.partition
        if len(parts) == 2 and parts[0] in ("var", "local"):
            kind = "variable" if parts[0] == "var" else "local value"
            return self.unknown(f"unresolved {kind} {parts[1]}")
        return self.unknown(f"unresolved expression {expression}")

    def value(self, value: Any) -> Any:
        """``value`` with every interpolation resolved or an unknown marker; a lone list reference is the list."""
        if isinstance(value, str):
            whole = _INTERPOLATION.fullmatch(value)
            if whole is not None:
                resolved = self.reference(whole.group(1))
                return self.value(resolved) if resolved != value else resolved
            return _INTERPOLATION.sub(lambda m: _text(self.reference(m.group(1))), value)
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items() if not str(k).startswith("__")}
        if isinstance(value, list):
            items: list[Any] = []
            for item in value:
                resolved = self.value(item)
                items.extend(resolved if isinstance(resolved, list) and isinstance(item, str) else [resolved])
            return items
        if isinstance(value, bool) or value is None:
            return value
        return str(value)


def _has_interpolation(value: Any) -> bool:
    return "${" in orjson.dumps(value, default=str).decode()


def _text(value: Any) -> str:
    if isinstance(value, list):
        raise TemplateError(f"a list ({value!r}) where text is expected")
    return str(value)


def _document(address: str, value: Any, documents: dict[str, dict[str, Any]], scope: _Scope, text: str
              ) -> tuple[Any, tuple[int, ...]]:
    if not isinstance(value, str):
        raise TemplateError(f"{address}: no assume_role_policy")
    reference = _DOCUMENT_REFERENCE.match(value)
    if reference is not None:
        name = reference.group(1)
        if name not in documents:
            raise TemplateError(f"{address}: data.{DOCUMENT_TYPE}.{name} is not in this file")
        return policy_document(documents[name], scope), _statement_lines(text, name, documents[name])
    encoded = _JSONENCODE.match(value)
    if encoded is not None:
        try:
            inner = hcl2.loads("policy = " + encoded.group(1), serialization_options=_OPTIONS)["policy"]
        except LarkError:
            raise TemplateError(f"{address}: the jsonencode() argument is not an HCL value rolescope reads") from None
        return scope.value(inner), ()
    heredoc = _HEREDOC.match(value)
    body = (textwrap.dedent(heredoc.group(3)) if heredoc.group(1) else heredoc.group(3)) if heredoc else value
    if _INTERPOLATION.fullmatch(body.strip()):
        raise TemplateError(f"{address}: assume_role_policy is {body.strip()}, which rolescope cannot read "
                            "from source (check the plan: terraform show -json)")
    try:
        return orjson.loads(scope.value(body)), ()
    except orjson.JSONDecodeError as error:
        raise TemplateError(f"{address}: assume_role_policy is not JSON: {error}") from None


def policy_document(body: dict[str, Any], scope: _Scope) -> dict[str, Any]:
    """A ``data "aws_iam_policy_document"`` block as the policy Terraform renders from it."""
    statements = []
    for block in body.get("statement") or ():
        statement: dict[str, Any] = {"Effect": "Allow"}
        for key, name in _STATEMENT_KEYS.items():
            if key in block:
                statement[name] = scope.value(block[key])
        for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if key in block:
                statement[name] = _principals(block[key], scope)
        conditions: dict[str, dict[str, list[Any]]] = {}
        for condition in block.get("condition") or ():
            test, variable = scope.value(condition.get("test")), scope.value(condition.get("variable"))
            conditions.setdefault(str(test), {}).setdefault(str(variable), []).extend(
                scope.value(condition.get("values") or []))
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    return {"Version": scope.value(body.get("version", "2012-10-17")), "Statement": statements}


def _principals(blocks: list[dict[str, Any]], scope: _Scope) -> Any:
    principals: dict[str, list[Any]] = {}
    for block in blocks:
        kind = str(scope.value(block.get("type")))
        identifiers = scope.value(block.get("identifiers") or [])
        if kind == "*":
            return "*"  # type = "*", identifiers = ["*"]: Terraform renders "Principal": "*"
        principals.setdefault(kind, []).extend(identifiers if isinstance(identifiers, list) else [identifiers])
    return principals


def _statement_lines(text: str, name: str, body: dict[str, Any]) -> tuple[int, ...]:
    """The line of each ``statement {`` block of the data source ``name``, in order."""
    start = block_line(text, "data", DOCUMENT_TYPE, name)
    if not start:
        return ()
    offset = sum(len(line) + 1 for line in text.split("\n")[:start])
    lines = [text.count("\n", 0, m.start()) + 1
             for m in re.finditer(r"^[ \t]*statement[ \t]*\{", text[offset:], re.MULTILINE)]
    return tuple(start + 0 + line for line in lines[:len(body.get("statement") or ())])
