"""An ExternalId condition that a third party could guess: a wildcard, too short, or an account id."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext, catalogue_parameter
from rolescope.checks.finding import Finding
from rolescope.policy.arn import ACCOUNT_ID
from rolescope.policy.model import Effect
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "weak-external-id"
POSITIVE = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})


def default_minimum() -> int:
    """The catalogue's shortest acceptable ExternalId: what ``rolescope fix`` and ``template`` require too."""
    return catalogue_parameter(CHECK_ID, "min_external_id_length")()


def weakness(value: str, minimum: int, wildcard: bool) -> str | None:
    """Why an ExternalId value is weak, or ``None`` when it is not.

    Args:
        value: the value in the policy.
        minimum: the shortest acceptable length.
        wildcard: whether the operator reads ``*``/``?`` as wildcards (``StringLike``).
    """
    if wildcard and ("*" in value or "?" in value):
        return "it is a wildcard pattern that matches values nobody agreed on"
    if ACCOUNT_ID.match(value):
        return "it is an AWS account id, which is not secret"
    if len(value) < minimum:
        return f"it has fewer than {minimum} characters"
    return None


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return any(condition.key == "sts:externalid" and condition.operator in POSITIVE
               for statement in analysis.policy.statements if statement.effect is Effect.ALLOW
               for condition in statement.conditions)


def run(context: RoleContext) -> Iterator[Finding]:
    minimum = context.settings.min_external_id_length
    for statement in context.analysis.policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        for condition in statement.conditions:
            if condition.key != "sts:externalid" or condition.operator not in POSITIVE:
                continue
            for value in condition.values:
                why = weakness(value, minimum, wildcard=condition.operator == "StringLike")
                if why is None:
                    continue
                yield context.finding(
                    CHECK_ID,
                    f"{context.role_label} requires the ExternalId {value!r} in {statement.label}, but {why}.",
                    statement.index,
                    external_id=value,
                    operator=condition.operator_as_written,
                )
