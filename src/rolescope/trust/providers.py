"""Identity providers whose tokens anyone can obtain, and what in a token says *who*."""

from __future__ import annotations

from dataclasses import dataclass

from rolescope.policy.glob import FRESH, Pattern, compile_pattern


@dataclass(frozen=True, slots=True)
class PublicProvider:
    """An OIDC issuer that hands tokens to anyone who signs up.

    Attributes:
        host: the issuer, as it appears in the provider ARN and condition keys.
        identity_claim: the claim that names the caller (``sub``...).
        owner_shapes: shapes of a subject whose owner the attacker chose: if the trust admits one,
            anybody can assume the role. Claims GitHub lets an owner put first in ``sub`` are listed.
        confining_claims: other claims that, when pinned, confine callers to the role owner's tenant.
    """

    host: str
    identity_claim: str
    owner_shapes: tuple[str, ...]
    confining_claims: tuple[str, ...] = ()

    def patterns(self) -> tuple[Pattern, ...]:
        return tuple(compile_pattern(shape.replace("{owner}", FRESH)) for shape in self.owner_shapes)


PUBLIC_PROVIDERS: dict[str, PublicProvider] = {
    p.host: p
    for p in (
        PublicProvider(
            "token.actions.githubusercontent.com",
            "sub",
            ("repo:{owner}*", "repository_owner:{owner}*", "repository_owner_id:{owner}*",
             "job_workflow_ref:{owner}*", "{owner}*"),
            ("repository_owner", "repository_owner_id", "repository", "job_workflow_ref"),
        ),
        PublicProvider("gitlab.com", "sub", ("project_path:{owner}*", "{owner}*"),
                       ("namespace_path", "namespace_id", "project_path")),
        PublicProvider("app.terraform.io", "sub", ("organization:{owner}*", "{owner}*"),
                       ("terraform_organization_name",)),
        PublicProvider("accounts.google.com", "sub", ("*{owner}*",)),
        PublicProvider("graph.facebook.com", "id", ("*{owner}*",)),
        PublicProvider("www.amazon.com", "user_id", ("*{owner}*",)),
        PublicProvider("cognito-identity.amazonaws.com", "aud", ("*{owner}*",)),
    )
}

# Any OIDC issuer: a subject that may start with anything the caller chose confines nobody.
UNBOUNDED_SUBJECT = compile_pattern(f"{FRESH}*")
