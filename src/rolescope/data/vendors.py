"""Known third-party AWS accounts: the bundled community list (see ``VENDORS.md``) and its loader."""

from __future__ import annotations

from dataclasses import dataclass

from rolescope.caches import memoized
from rolescope.data.loading import load_bundled_yaml


@dataclass(frozen=True, slots=True)
class VendorDirectory:
    """Known third-party AWS accounts: account id -> vendor name.

    The bundled list is :func:`load_vendors`; ``rolescope.yaml``'s ``vendor_accounts`` are merged over
    it by :meth:`rolescope.config.Config.apply`.
    """

    names: dict[str, str]

    def name_of(self, account_id: str) -> str | None:
        return self.names.get(account_id)


@memoized(1)
def load_vendors() -> VendorDirectory:
    """The bundled vendor list, read on first use."""
    data = load_bundled_yaml("rolescope.data", "vendor_accounts.yaml")
    names: dict[str, str] = {}
    for vendor in data.get("vendors") or ():
        for account in vendor.get("accounts") or ():
            names.setdefault(str(account), str(vendor.get("name", "")))
    return VendorDirectory(names)
