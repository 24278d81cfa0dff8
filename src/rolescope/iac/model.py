"""What the template readers hand to the evaluation: trust policies with their place in the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the template leaves to deploy time: it is analysed as "any value" unless constrained.

    Attributes:
        reason: what it is, for people (``unresolved parameter PartnerAccount``).
        allowed_values: the only values it can take (a CloudFormation parameter's ``AllowedValues``).
        min_length: its shortest length, when the source says (``MinLength``).
        pattern: a regular expression every value matches in full (``AllowedPattern``).
    """

    reason: str
    allowed_values: tuple[str, ...] = ()
    min_length: int | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """One way the document can come out: a branch of every ``Fn::If`` it holds.

    Attributes:
        document: the trust policy, plain JSON data; unknown values are marker strings (see
            :mod:`rolescope.iac.unknowns`).
        choices: the CloudFormation conditions taken, name -> value (empty without ``Fn::If``).
        statement_lines: the line of each statement of ``document``, by index, where known.
    """

    document: Any
    choices: tuple[tuple[str, bool], ...] = ()
    statement_lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Suppression:
    """An accepted risk written in the source: a check id and the reason (required)."""

    check: str
    reason: str


@dataclass(frozen=True, slots=True)
class TemplateRole:
    """One role's trust policy in a source file.

    Attributes:
        path: the file, as given or found.
        resource: the CloudFormation logical id or the Terraform address.
        line: the line of the resource (1-based), 0 when the source has none (a plan).
        variants: the document's variants (one unless ``Fn::If`` chooses).
        unknowns: the values the markers in the variants stand for, by index.
        suppressions: the accepted risks the source states for this resource.
    """

    path: str
    resource: str
    line: int
    variants: tuple[Variant, ...]
    unknowns: tuple[Unknown, ...] = ()
    suppressions: tuple[Suppression, ...] = field(default=())


class TemplateError(ValueError):
    """A file that cannot be read as a template; the message is one line and says where."""
