"""Service principals whose trust needs no source condition: the bundled list and its loader."""

from __future__ import annotations

from rolescope.caches import memoized
from rolescope.data.loading import load_bundled_yaml


@memoized(1)
def load_exempt_services() -> frozenset[str]:
    """Service principals whose trust needs no source condition (see ``services_confused_deputy.yaml``)."""
    data = load_bundled_yaml("rolescope.data", "services_confused_deputy.yaml")
    return frozenset(str(e["principal"]).lower() for e in data.get("exempt_services") or ())
