"""Identity providers whose tokens anyone can obtain, and what in a token says *who*.

How each issuer's subjects name their owner, and so which subject patterns confine callers, is
:mod:`rolescope.trust.subjects`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublicProvider:
    """An OIDC issuer that hands tokens to anyone who signs up.

    Attributes:
        host: the issuer, as it appears in the provider ARN and condition keys.
        identity_claim: the claim that names the caller (``sub``...).
        confining_claims: other claims that, when pinned, confine callers to the role owner's tenant.
    """

    host: str
    identity_claim: str
    confining_claims: tuple[str, ...] = ()


PUBLIC_PROVIDERS: dict[str, PublicProvider] = {
    p.host: p
    for p in (
        PublicProvider("token.actions.githubusercontent.com", "sub",
                       ("repository_owner", "repository_owner_id", "repository", "job_workflow_ref")),
        PublicProvider("gitlab.com", "sub", ("namespace_path", "namespace_id", "project_path")),
        PublicProvider("app.terraform.io", "sub", ("terraform_organization_name",)),
        PublicProvider("accounts.google.com", "sub"),
        PublicProvider("graph.facebook.com", "id"),
        PublicProvider("www.amazon.com", "user_id"),
        PublicProvider("cognito-identity.amazonaws.com", "aud"),
    )
}
