"""Display names for the accounts a scan document mentions, which several report formats share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rolescope.data.vendors import load_vendors
from rolescope.report.model import ScanDocument


@dataclass(frozen=True, slots=True)
class AccountNames:
    """Account id -> alias, organisation account name, or known vendor name (in that order of preference).

    Attributes:
        names: the names found.
    """

    names: Mapping[str, str]

    @classmethod
    def of(cls, document: ScanDocument) -> AccountNames:
        """The names ``document`` gives, over the vendors its scan was configured with and the bundled list."""
        names: dict[str, str] = dict(load_vendors().names)
        if document.settings is not None:  # rolescope.yaml's vendor_accounts, as the scan recorded them
            names.update(document.settings.vendor_accounts)
        if document.organization is not None:
            names.update(document.organization.account_names)
        for account in document.accounts:
            if account.alias:
                names[account.account_id] = account.alias
        return cls(names)

    def name(self, account_id: str) -> str | None:
        return self.names.get(account_id)

    def label(self, account_id: str) -> str:
        """``123456789012 (prod)`` or just the id."""
        name = self.names.get(account_id)
        return f"{account_id} ({name})" if name else account_id
