"""CloudFormation, SAM and CDK-synthesised templates: every ``AWS::IAM::Role``'s trust policy.

The ``Fn::If`` conditions a document uses are enumerated (each combination is one variant, at most
:data:`MAX_CONDITIONS` conditions), so a finding that only one branch has is still found and says
which branch.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, TypeGuard

import orjson

from rolescope.iac.cfn_intrinsics import NO_VALUE, Scope, as_intrinsic, resolve
from rolescope.iac.located import LineDict, LineList, TemplateSyntaxError, load_located
from rolescope.iac.model import Suppression, TemplateError, TemplateRole, Variant
from rolescope.iac.suppressions import comment_suppressions
from rolescope.iac.unknowns import MARKER

ROLE_TYPE = "AWS::IAM::Role"
# SAM creates a function's role from its AssumeRolePolicyDocument property, when given.
SAM_FUNCTION_TYPE = "AWS::Serverless::Function"
MAX_CONDITIONS = 8


def is_cloudformation(data: Any) -> TypeGuard[dict[str, Any]]:
    """Whether decoded ``data`` is a CloudFormation template (a mapping with a Resources mapping)."""
    return isinstance(data, dict) and isinstance(data.get("Resources"), dict) and (
        "AWSTemplateFormatVersion" in data or "Transform" in data or any(
            isinstance(r, dict) and str(r.get("Type", "")).startswith(("AWS::", "Custom::"))
            for r in data["Resources"].values()))


def load_template(text: str) -> Any:
    """The template in ``text`` (YAML or JSON), lines kept; a syntax error is a :class:`TemplateError`."""
    try:
        return load_located(text)
    except TemplateSyntaxError as error:
        raise TemplateError(str(error)) from None


def template_roles(path: str, data: dict[str, Any], account_id: str, partition: str, text: str = ""
                   ) -> list[TemplateRole]:
    """The roles of the template ``data`` read from ``path``, resolved for ``account_id``/``partition``;
    ``text`` is its source, for ``# rolescope:ignore`` comments."""
    resources = data["Resources"]
    starts = {str(name): line for name, line in resources.key_lines.items()} if isinstance(resources, LineDict) else {}
    commented = comment_suppressions(text, starts)
    roles = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in (ROLE_TYPE, SAM_FUNCTION_TYPE):
            continue
        properties = resource.get("Properties")
        has_document = isinstance(properties, dict) and "AssumeRolePolicyDocument" in properties
        if resource["Type"] == SAM_FUNCTION_TYPE and not has_document:
            continue  # SAM's default role trusts lambda.amazonaws.com alone
        if not isinstance(properties, dict) or not has_document:
            raise TemplateError(f"resource {logical_id} (line {_line(resources, logical_id)}): an AWS::IAM::Role "
                                "without AssumeRolePolicyDocument")
        role = _role(path, data, str(logical_id), resource, properties["AssumeRolePolicyDocument"], account_id,
                     partition)
        roles.append(replace(role, suppressions=role.suppressions + commented.get(str(logical_id), ())))
    return roles


def _line(mapping: Any, key: Any) -> int:
    return mapping.key_lines.get(key, 0) if isinstance(mapping, LineDict) else 0


def _role(path: str, data: dict[str, Any], logical_id: str, resource: dict[str, Any], document: Any,
          account_id: str, partition: str) -> TemplateRole:
    def scope(choices: dict[str, bool]) -> Scope:
        return Scope(_section(data, "Parameters"), _section(data, "Mappings"), data["Resources"], account_id,
                     partition, choices, unknowns)

    unknowns: list[Any] = []
    # A resource with a Condition exists only when it holds: its Fn::If on that condition takes "then".
    exists_when = resource.get("Condition")
    given = {exists_when: True} if isinstance(exists_when, str) else {}
    conditions = [c for c in dict.fromkeys(_if_conditions(document)) if c not in given]
    where = f"resource {logical_id} (line {_line(data['Resources'], logical_id)})"
    if len(conditions) > MAX_CONDITIONS:
        raise TemplateError(f"{where}: its trust policy uses {len(conditions)} Fn::If conditions, more than the "
                            f"{MAX_CONDITIONS} whose combinations are analysed")
    try:
        variants = []
        for values in itertools.product((True, False), repeat=len(conditions)):
            choices = dict(zip(conditions, values, strict=True))
            resolved = resolve(document, scope({**given, **choices}))
            lines = _statement_lines(document, scope({**given, **choices}))
            variants.append(Variant(_decoded(resolved), tuple(choices.items()), lines))
    except TemplateError as error:
        raise TemplateError(f"{where}: {error}") from None
    return TemplateRole(path, logical_id, _line(data["Resources"], logical_id), _unique(variants),
                        tuple(unknowns), _metadata_suppressions(logical_id, resource))


def _if_conditions(value: Any) -> Iterator[str]:
    """The condition names of every ``Fn::If`` in ``value``, in the order written (repeats included)."""
    function = as_intrinsic(value)
    if function is not None and function.name == "Fn::If" and isinstance(function.args, list) and function.args:
        yield str(function.args[0])
    children = function.args if function is not None else value
    if isinstance(children, dict):
        for item in children.values():
            yield from _if_conditions(item)
    elif isinstance(children, list):
        for item in children:
            yield from _if_conditions(item)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    section = data.get(name) or {}
    if not isinstance(section, dict):
        raise TemplateError(f"{name} must be a mapping")
    return section


def _decoded(document: Any) -> Any:
    """A document given as JSON text (``Fn::Sub`` over the whole policy) decoded; markers survive as text."""
    if isinstance(document, str):
        try:
            return orjson.loads(document)
        except orjson.JSONDecodeError as error:
            shown = MARKER.sub("…", document[:40])
            raise TemplateError(f"AssumeRolePolicyDocument {shown!r}... is not a JSON policy: {error}") from None
    return document


def _unique(variants: list[Variant]) -> tuple[Variant, ...]:
    """Variants whose documents differ (conditions that do not change the document collapse)."""
    seen: dict[bytes, Variant] = {}
    for variant in variants:
        seen.setdefault(orjson.dumps(variant.document, option=orjson.OPT_SORT_KEYS), variant)
    kept = list(seen.values())
    if len(kept) == 1:
        return (Variant(kept[0].document, (), kept[0].statement_lines),)
    return tuple(kept)


def _statement_lines(document: Any, scope: Scope) -> tuple[int, ...]:
    """The line of each statement this variant keeps (an ``Fn::If`` item may resolve to ``AWS::NoValue``)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, LineList):
        return tuple(line for item, line in zip(statements, statements.item_lines, strict=True)
                     if resolve(item, scope) is not NO_VALUE)
    if isinstance(statements, LineDict):
        return (statements.line,)
    return ()


def _metadata_suppressions(logical_id: str, resource: dict[str, Any]) -> tuple[Suppression, ...]:
    """``Metadata: {rolescope: {ignore: [{check: ID, reason: WHY}, ...]}}`` (``"ID WHY"`` strings too)."""
    metadata = resource.get("Metadata")
    own = metadata.get("rolescope") if isinstance(metadata, dict) else None
    if own is None:
        return ()
    entries = own.get("ignore") if isinstance(own, dict) else None
    if not isinstance(entries, list):
        raise TemplateError(f"resource {logical_id}: Metadata.rolescope.ignore must be a list")
    suppressions = []
    for entry in entries:
        if isinstance(entry, dict):
            check, reason = entry.get("check"), entry.get("reason")
        elif isinstance(entry, str):
            check, _, reason = entry.partition(" ")
        else:
            check = reason = None
        if not isinstance(check, str) or not check or not isinstance(reason, str) or not reason.strip():
            raise TemplateError(f"resource {logical_id}: each Metadata.rolescope.ignore entry needs a check id "
                                f"and a reason, not {entry!r}")
        suppressions.append(Suppression(check, reason.strip()))
    return tuple(suppressions)
