"""YAML (and JSON, which YAML reads too) with CloudFormation's short-form tags and the line of every node.

A template is untrusted input: it is read with a SafeLoader subclass, so no tag builds anything but
the typed :class:`Intrinsic` below, and the line of each mapping and list item is kept for findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """A CloudFormation intrinsic function as written: ``!Sub x`` or ``{"Fn::Sub": x}``.

    Attributes:
        name: the long name: ``Ref``, ``Condition``, ``Fn::Sub``, ``Fn::GetAtt``...
        args: its argument, as read (may hold further intrinsics).
        line: where it is written (1-based), 0 when unknown.
    """

    name: str
    args: Any
    line: int = 0


class LineDict(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A list that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


# Long names of the short-form tags; anything else is kept as Fn::<Tag> and left unresolved.
SHORT_FORMS = {"Ref": "Ref", "Condition": "Condition", "GetAtt": "Fn::GetAtt"}


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamps (``Version: 2012-10-17`` stays a string, as in CloudFormation)
    and without aliases: CloudFormation does not read them, and nested aliases would make a few lines
    stand for billions of nodes to resolve."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not read in templates",
                                              event.start_mark)
        return super().compose_node(parent, index)


_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(loader: _TemplateLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = _line(node)
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _line(key_node)
    return result


def _sequence(loader: _TemplateLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = _line(node)
    result.item_lines = [_line(item) for item in node.value]
    return result


def _tagged(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> Intrinsic:
    if isinstance(node, yaml.ScalarNode):
        args: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        args = _sequence(loader, node)
    elif isinstance(node, yaml.MappingNode):
        args = _mapping(loader, node)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    name = SHORT_FORMS.get(suffix, f"Fn::{suffix}")
    if name == "Fn::GetAtt" and isinstance(args, str):
        args = args.split(".", 1)  # !GetAtt Role.Arn
    return Intrinsic(name, args, _line(node))


_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_TemplateLoader.add_multi_constructor("!", _tagged)


class TemplateSyntaxError(ValueError):
    """The text is not YAML or JSON; the message names the line."""


def load_located(text: str) -> Any:
    """The document in ``text`` with lines kept and short-form tags as :class:`Intrinsic`.

    Raises:
        TemplateSyntaxError: not valid YAML/JSON (``line L: problem``).
    """
    try:
        return yaml.load(text, Loader=_TemplateLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        reason = getattr(problem, "problem", None) or "invalid YAML"
        raise TemplateSyntaxError(f"not valid YAML or JSON{where}: {reason}") from None
    except (ValueError, TypeError, RecursionError) as problem:
        raise TemplateSyntaxError(f"not valid YAML or JSON: {problem}") from None
