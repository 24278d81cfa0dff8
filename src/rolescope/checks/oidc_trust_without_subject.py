"""OIDC federation (GitHub Actions, EKS...) whose subject is not pinned: any repository/workload gets in."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext, shown
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.providers import PUBLIC_PROVIDERS

CHECK_ID = "oidc-trust-without-subject"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return bool(analysis.oidc_without_subject)


def run(context: RoleContext) -> Iterator[Finding]:
    for exposure in context.analysis.oidc_without_subject:
        provider = exposure.principal.split("oidc-provider/", 1)[-1]
        public = PUBLIC_PROVIDERS.get(provider.lower())
        claim = f"{provider.lower()}:{public.identity_claim if public else 'sub'}"
        sub = None
        if exposure.example is not None and exposure.example.context.get(claim):
            sub = shown(exposure.example.context[claim][0])
        example = f" (e.g. a token with subject {sub!r})" if sub else ""
        yield context.finding(
            CHECK_ID,
            f"{context.role_label} trusts the identity provider {provider} in Statement[{exposure.statement}] "
            f"without pinning the token subject: any workload that can get a token from it can assume the "
            f"role{example}.",
            exposure.statement,
            provider=exposure.principal,
        )
