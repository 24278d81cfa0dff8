"""OIDC federation (GitHub Actions, EKS...) whose subject is not pinned: any repository/workload gets in."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext, shown
from rolescope.checks.finding import Finding

CHECK_ID = "oidc-trust-without-subject"


def run(context: RoleContext) -> Iterator[Finding]:
    for exposure in context.analysis.oidc_without_subject:
        provider = exposure.principal.split("oidc-provider/", 1)[-1]
        sub = None
        if exposure.example is not None:
            for key, values in exposure.example.context.items():
                if key.endswith((":sub", ":id", ":user_id")) or key == f"{provider}:aud".lower():
                    sub = shown(values[0])
        example = f" (e.g. a token with subject {sub!r})" if sub else ""
        yield context.finding(
            CHECK_ID,
            "critical",
            f"{context.role_label} trusts the identity provider {provider} in Statement[{exposure.statement}] "
            f"without pinning the token subject: any workload that can get a token from it can assume the "
            f"role{example}.",
            exposure.statement,
            provider=exposure.principal,
        )
