"""Terraform plans (``terraform show -json plan.out``): every ``aws_iam_role``'s rendered trust policy.

A plan is exact: Terraform has rendered ``assume_role_policy`` to JSON, unless it depends on
something known only at apply time. Then the policy usually comes from an ``aws_iam_policy_document``
data source, whose rendered ``json`` the plan holds in ``prior_state`` or ``planned_values``; the
configuration's references say which one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from rolescope.iac.model import TemplateError, TemplateRole, Variant

ROLE_TYPE = "aws_iam_role"
DOCUMENT_TYPE = "aws_iam_policy_document"


def plan_roles(path: str, plan: dict[str, Any], text: str) -> list[TemplateRole]:
    """The roles the plan ``plan`` (read from ``path``, whose ``text`` gives the lines) creates or keeps."""
    planned = _root(plan.get("planned_values"))
    prior = _root(plan.get("prior_state", {}).get("values") if isinstance(plan.get("prior_state"), dict) else None)
    documents = {r["address"]: r.get("values") or {} for r in [*_resources(prior), *_resources(planned)]
                 if r.get("type") == DOCUMENT_TYPE and isinstance(r.get("address"), str)}
    references = _role_references(plan.get("configuration"))
    roles = []
    for resource in _resources(planned):
        if resource.get("type") != ROLE_TYPE or resource.get("mode", "managed") != "managed":
            continue
        address = str(resource.get("address"))
        values = resource.get("values") or {}
        policy = values.get("assume_role_policy")
        if not isinstance(policy, str) or not policy:
            policy = _from_document(address, references, documents)
        try:
            document = orjson.loads(policy)
        except orjson.JSONDecodeError as error:
            raise TemplateError(f"{address}: assume_role_policy is not JSON: {error}") from None
        roles.append(TemplateRole(path, address, _line_of(text, address), (Variant(document),)))
    return roles


def _root(values: Any) -> dict[str, Any]:
    root = values.get("root_module") if isinstance(values, dict) else None
    return root if isinstance(root, dict) else {}


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The resources of ``module`` and of its child modules, recursively."""
    for resource in module.get("resources") or ():
        if isinstance(resource, dict):
            yield resource
    for child in module.get("child_modules") or ():
        if isinstance(child, dict):
            yield from _resources(child)


def _role_references(configuration: Any) -> dict[str, list[str]]:
    """Role address -> what its ``assume_role_policy`` expression refers to (root module and module calls)."""
    found: dict[str, list[str]] = {}

    def visit(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for resource in module.get("resources") or ():
            if not isinstance(resource, dict) or resource.get("type") != ROLE_TYPE:
                continue
            expression = (resource.get("expressions") or {}).get("assume_role_policy") or {}
            found[prefix + str(resource.get("address"))] = [
                prefix + r for r in expression.get("references") or () if isinstance(r, str)]
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                visit(call.get("module"), f"{prefix}module.{name}.")

    visit(_root(configuration), "")
    return found


def _from_document(address: str, references: dict[str, list[str]], documents: dict[str, Any]) -> str:
    # A role in a module instance (module.x["a"].aws_iam_role.r) is configured once, without the key.
    configured = references.get(address) or references.get(_without_keys(address)) or []
    for reference in configured:
        rendered = documents.get(reference.removesuffix(".json"), {}).get("json")
        if isinstance(rendered, str) and rendered:
            return rendered
    raise TemplateError(f"{address}: assume_role_policy is known only after apply and no rendered "
                        "aws_iam_policy_document in the plan gives it")


def _without_keys(address: str) -> str:
    parts = []
    for part in address.split("."):
        parts.append(part.split("[", 1)[0])
    return ".".join(parts)


def _line_of(text: str, address: str) -> int:
    """The line of the first ``"address": "<address>"`` in the plan's text (0 when not found)."""
    needle = orjson.dumps(address).decode()
    at = text.find(f'"address":{needle}')
    if at < 0:
        at = text.find(f'"address": {needle}')
    return text.count("\n", 0, at) + 1 if at >= 0 else 0
