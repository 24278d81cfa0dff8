"""SAML federation without a ``SAML:aud`` condition."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "saml-trust-without-audience"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return bool(analysis.saml_without_audience)


def run(context: RoleContext) -> Iterator[Finding]:
    for exposure in context.analysis.saml_without_audience:
        yield context.finding(
            CHECK_ID,
            f"{context.role_label} trusts the SAML provider {exposure.principal} in Statement[{exposure.statement}] "
            "without requiring SAML:aud, so assertions meant for another audience are accepted.",
            exposure.statement,
            provider=exposure.principal,
        )
