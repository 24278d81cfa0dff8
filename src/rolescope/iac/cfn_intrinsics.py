"""Resolving CloudFormation intrinsic functions in a trust policy, as far as the template says.

Parameters with a default, mappings with literal keys, the account and partition pseudo parameters
(the deploying account), ``Fn::Join``/``Fn::Select``/``Fn::Split`` on what resolves, and the ARN of a
role or user the template itself creates resolve; everything else becomes an unknown
(:mod:`rolescope.iac.unknowns`). ``Fn::If`` takes the branch that :attr:`Scope.choices` names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rolescope.iac.located import Intrinsic
from rolescope.iac.model import TemplateError, Unknown
from rolescope.iac.unknowns import has_marker, marker

NO_VALUE = object()  # AWS::NoValue: the property or list item is left out
FUNCTIONS = frozenset({"Ref", "Condition", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::Split",
                       "Fn::FindInMap", "Fn::If", "Fn::ImportValue", "Fn::GetAZs", "Fn::Base64", "Fn::Cidr",
                       "Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::Equals", "Fn::And", "Fn::Or",
                       "Fn::Not"})
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAMED_RESOURCES = {"AWS::IAM::Role": ("role", "RoleName"), "AWS::IAM::User": ("user", "UserName")}


@dataclass(slots=True)
class Scope:
    """What one resolution knows: the template's sections, the deploying account, the branch choices.

    ``unknowns`` grows as values are found unresolvable; markers index into it.
    """

    parameters: Mapping[str, Any]
    mappings: Mapping[str, Any]
    resources: Mapping[str, Any]
    account_id: str
    partition: str
    choices: Mapping[str, bool] = field(default_factory=dict)
    unknowns: list[Unknown] = field(default_factory=list)

    def unknown(self, item: Unknown) -> str:
        if item not in self.unknowns:
            self.unknowns.append(item)
        return marker(self.unknowns.index(item))


def as_intrinsic(value: Any) -> Intrinsic | None:
    """The intrinsic ``value`` is, in short (a tag) or long form (a one-key mapping), else ``None``."""
    if isinstance(value, Intrinsic):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (name, args), = value.items()
        if name in FUNCTIONS:
            return Intrinsic(name, args, getattr(value, "line", 0))
    return None


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with every intrinsic resolved or replaced by an unknown marker; NO_VALUE items dropped."""
    function = as_intrinsic(value)
    if function is not None:
        return _function(function, scope)
    if isinstance(value, dict):
        resolved = {str(k): resolve(v, scope) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}
    if isinstance(value, list):
        return [item for item in (resolve(v, scope) for v in value) if item is not NO_VALUE]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return str(value)  # CloudFormation passes numbers on as strings; an account id read as an int
    return value


def _function(function: Intrinsic, scope: Scope) -> Any:
    name, args = function.name, function.args
    if name == "Ref":
        return _ref(_text(resolve(args, scope), name), scope)
    if name == "Fn::GetAtt":
        return _get_att(args, scope)
    if name == "Fn::Sub":
        return _sub(args, scope)
    if name == "Fn::If":
        return _if(args, scope)
    if name == "Fn::Join":
        return _join(args, scope)
    if name == "Fn::Select":
        return _select(args, scope)
    if name == "Fn::Split":
        return _split(args, scope)
    if name == "Fn::FindInMap":
        return _find_in_map(args, scope)
    return scope.unknown(Unknown(f"{name} at line {function.line}" if function.line else name))


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"{where} needs a string, not {value!r}")
    return value


def _ref(name: str, scope: Scope) -> Any:
    if name == "AWS::AccountId":
        return scope.account_id
    if name == "AWS::Partition":
        return scope.partition
    if name == "AWS::URLSuffix":
        return "amazonaws.com.cn" if scope.partition == "aws-cn" else "amazonaws.com"
    if name == "AWS::NoValue":
        return NO_VALUE
    if name.startswith("AWS::"):
        return scope.unknown(Unknown(f"pseudo parameter {name}"))
    if name in scope.parameters:
        return _parameter(name, scope)
    if name in scope.resources:
        return scope.unknown(Unknown(f"the name of resource {name}"))
    raise TemplateError(f"Ref to {name!r}, which is neither a parameter nor a resource of the template")


def _parameter(name: str, scope: Scope) -> Any:
    spec = scope.parameters[name]
    spec = spec if isinstance(spec, dict) else {}
    is_list = str(spec.get("Type", "")).startswith(("List<", "CommaDelimitedList"))
    if "Default" in spec:
        default = resolve(spec["Default"], scope)
        if is_list and isinstance(default, str):
            return [item.strip() for item in default.split(",")]
        return default
    allowed = spec.get("AllowedValues")
    min_length = spec.get("MinLength")
    pattern = spec.get("AllowedPattern")
    unknown = Unknown(
        f"unresolved parameter {name}",
        tuple(str(v) for v in allowed) if isinstance(allowed, list) and not is_list else (),
        int(min_length) if isinstance(min_length, int | str) and str(min_length).isdigit() else None,
        str(pattern) if isinstance(pattern, str) else None,
    )
    return scope.unknown(unknown)


def _get_att(args: Any, scope: Scope) -> Any:
    if isinstance(args, str):
        args = args.split(".", 1)
    if not isinstance(args, list) or len(args) != 2:
        raise TemplateError(f"Fn::GetAtt needs [resource, attribute], not {args!r}")
    logical_id, attribute = args[0], resolve(args[1], scope)
    resource = scope.resources.get(logical_id)
    if not isinstance(resource, dict):
        raise TemplateError(f"Fn::GetAtt of {logical_id!r}, which is not a resource of the template")
    named = _NAMED_RESOURCES.get(str(resource.get("Type")))
    if named is not None and attribute == "Arn":
        # A role or user the same stack creates lives in the deploying account.
        kind, name_property = named
        properties = resource.get("Properties")
        given = resolve(properties.get(name_property), scope) if isinstance(properties, dict) else None
        name = given if isinstance(given, str) and given else logical_id
        return f"arn:{scope.partition}:iam::{scope.account_id}:{kind}/{name}"
    return scope.unknown(Unknown(f"attribute {logical_id}.{attribute}"))


def _sub(args: Any, scope: Scope) -> str:
    if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict):
        template, variables = args[0], {str(k): resolve(v, scope) for k, v in args[1].items()}
    else:
        template, variables = args, {}
    if not isinstance(template, str):
        raise TemplateError(f"Fn::Sub needs a string, not {template!r}")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):
            return "${" + name[1:] + "}"  # ${!Literal} is written as ${Literal}
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            value = _get_att(name.split(".", 1), scope)
        else:
            value = _ref(name, scope)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        return _text(value, f"${{{name}}} in Fn::Sub")

    return _SUB_VARIABLE.sub(replace, template)


def _if(args: Any, scope: Scope) -> Any:
    if not isinstance(args, list) or len(args) != 3 or not isinstance(args[0], str):
        raise TemplateError(f"Fn::If needs [condition, then, else], not {args!r}")
    return resolve(args[1] if scope.choices.get(args[0], True) else args[2], scope)


def _join(args: Any, scope: Scope) -> Any:
    if not isinstance(args, list) or len(args) != 2:
        raise TemplateError(f"Fn::Join needs [delimiter, list], not {args!r}")
    delimiter, items = resolve(args[0], scope), resolve(args[1], scope)
    if isinstance(items, str) and has_marker(items):
        return items  # a list parameter left to deploy time: the joined text is unknown too
    if not isinstance(items, list):
        raise TemplateError(f"Fn::Join needs a list to join, not {items!r}")
    return _text(delimiter, "Fn::Join's delimiter").join(_text(i, "an item of Fn::Join") for i in items)


def _select(args: Any, scope: Scope) -> Any:
    if not isinstance(args, list) or len(args) != 2:
        raise TemplateError(f"Fn::Select needs [index, list], not {args!r}")
    index, items = resolve(args[0], scope), resolve(args[1], scope)
    if has_marker(index) or has_marker(items):
        return index if has_marker(index) else items
    if not isinstance(items, list) or not str(index).isdigit() or int(index) >= len(items):
        raise TemplateError(f"Fn::Select index {index!r} is not in {items!r}")
    return items[int(index)]


def _split(args: Any, scope: Scope) -> Any:
    if not isinstance(args, list) or len(args) != 2:
        raise TemplateError(f"Fn::Split needs [delimiter, string], not {args!r}")
    delimiter, text = resolve(args[0], scope), resolve(args[1], scope)
    if has_marker(text):
        return text
    return _text(text, "Fn::Split").split(_text(delimiter, "Fn::Split's delimiter"))


def _find_in_map(args: Any, scope: Scope) -> Any:
    if not isinstance(args, list) or len(args) != 3:
        raise TemplateError(f"Fn::FindInMap needs [map, key, key], not {args!r}")
    keys = [resolve(a, scope) for a in args]
    unresolved = next((k for k in keys if has_marker(k)), None)
    if unresolved is not None:
        return unresolved
    found: Any = scope.mappings
    for key in keys:
        if not isinstance(found, dict) or str(key) not in {str(k) for k in found}:
            raise TemplateError(f"Fn::FindInMap: no {key!r} in the mapping {'/'.join(map(str, keys))}")
        found = next(v for k, v in found.items() if str(k) == str(key))
    return resolve(found, scope)
