"""Roles of one account that the organisation's RCPs cannot tell apart.

What :func:`~rolescope.trust.perimeter.role_perimeter`, :func:`~rolescope.trust.perimeter.effective_trust`
and :func:`~rolescope.trust.perimeter_verdict.perimeter_verdict` read of a role, beyond its account, is:

- its ARN, only through the RCP Deny statements' ``Resource``/``NotResource`` (whether each covers it);
- its path, only to tell a service-linked role;
- its tags, only through resource-side conditions (``aws:ResourceTag/<key>``), each reading its own key,
  unless a resource-side key or value holds a policy variable (which may read any tag).

Two roles of the account alike in all of that (:meth:`AccountPerimeters.kind` answers equal) get the
same perimeter and the same Denies appended to their trust policies (worked out once per kind), and,
for one trust policy, the same effective analysis and verdict (which a scan works out once per kind
and trust policy, not per role).
"""

from __future__ import annotations

from collections.abc import Hashable

from rolescope.inventory.model import JsonObject, Organization, Role
from rolescope.policy.control import ControlKind
from rolescope.policy.model import Effect
from rolescope.trust.perimeter import (
    RESOURCE_KEYS,
    RESOURCE_TAG,
    RoleFacts,
    RolePerimeter,
    attached,
    covers_assuming,
    perimeter_statement,
    resource_context,
    resource_tags,
    role_perimeter,
)


class AccountPerimeters:
    """The perimeters of ``account_id``'s roles, one per kind of role the RCPs attached above the account
    tell apart (see the module)."""

    def __init__(self, organization: Organization, account_id: str) -> None:
        self.organization = organization
        self._account_id = account_id
        self._found: dict[Hashable, tuple[RolePerimeter, list[JsonObject]]] = {}
        statements = {id(s): s for _, policy in attached(organization, account_id, ControlKind.RCP)
                      for s in policy.document.statements if s.effect is Effect.DENY}
        # a Deny whose Resource is "*" covers every role alike: only the others are asked per role
        self._asked = tuple(s for s in statements.values() if s.resources != ("*",))
        resource_side = [c for s in statements.values() for c in s.conditions
                         if c.key in RESOURCE_KEYS or c.key.startswith(RESOURCE_TAG)]
        self._every_tag = any("${" in c.key or any("${" in v for v in c.values) for c in resource_side)
        self._tag_keys = frozenset(c.key for c in resource_side if c.key.startswith(RESOURCE_TAG))

    def kind(self, role: Role) -> Hashable:
        """Equal for two roles of the account only when the RCPs cannot tell them apart (it may still tell
        apart roles they treat alike: two values of a tag that a condition tests alike, say)."""
        return (role.service_linked, tuple(covers_assuming(s, role.arn) for s in self._asked), self._tags(role))

    def of(self, role: Role, kind: Hashable) -> tuple[RolePerimeter, list[JsonObject]]:
        """The perimeter of ``role`` (of ``kind``), and its Denies as trust-policy statements (see
        :func:`~rolescope.trust.perimeter.effective_trust`)."""
        found = self._found.get(kind)
        if found is None:
            facts = RoleFacts(role.arn, self._account_id, role.path, role.tags)
            perimeter = role_perimeter(self.organization, facts)
            context = resource_context(self.organization, facts)
            found = self._found[kind] = (perimeter, [perimeter_statement(a, context) for a in perimeter.denies])
        return found

    def _tags(self, role: Role) -> tuple[tuple[str, str], ...]:
        if not role.tags or not (self._every_tag or self._tag_keys):
            return ()
        tags = resource_tags(role.tags)  # as resource_context reads them
        if not self._every_tag:
            tags = {key: value for key, value in tags.items() if key in self._tag_keys}
        return tuple(sorted(tags.items()))
