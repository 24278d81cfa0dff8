"""Look-ups over a scan document that several report formats share: roles by ARN, account names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolescope.checks.context import load_vendors


@dataclass(frozen=True, slots=True)
class DocumentIndex:
    """Roles by ARN and a display name for every account the document mentions.

    Attributes:
        roles: each scanned role's entry, by ARN.
        names: account id -> alias, organisation account name, or known vendor name.
    """

    roles: dict[str, dict[str, Any]]
    names: dict[str, str]

    @classmethod
    def of(cls, document: dict[str, Any]) -> DocumentIndex:
        """Index ``document`` (a ``rolescope.scan/v1`` document)."""
        roles = {role["arn"]: role for account in document.get("accounts") or ()
                 for role in account.get("roles") or () if isinstance(role, dict) and "arn" in role}
        names: dict[str, str] = dict(load_vendors().names)
        names.update((document.get("organization") or {}).get("account_names") or {})
        for account in document.get("accounts") or ():
            if account.get("alias"):
                names[account["account_id"]] = account["alias"]
        return cls(roles, names)

    def role_name(self, arn: str) -> str:
        """The role's name: from the scan, else the last segment of the ARN."""
        role = self.roles.get(arn)
        return str(role["name"]) if role and role.get("name") else arn.rsplit("/", 1)[-1]

    def account_name(self, account_id: str) -> str | None:
        return self.names.get(account_id)

    def account_label(self, account_id: str) -> str:
        """``123456789012 (prod)`` or just the id."""
        name = self.names.get(account_id)
        return f"{account_id} ({name})" if name else account_id
