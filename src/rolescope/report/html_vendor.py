"""The graph library the HTML report inlines: the vendored npm builds listed in ``static/vendor/vendor.json``.

``scripts/vendor-js.sh`` installs the pinned versions from the npm registry and rewrites the manifest
(name, version, file, licence, sha256); the page inlines the files in the manifest's order, each as its
own ``<script>`` whose hash the Content-Security-Policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import orjson

from rolescope.caches import memoized


@dataclass(frozen=True, slots=True)
class VendoredScript:
    """One vendored library: ``source`` is its minified build, ``licence`` the licence it ships with."""

    name: str
    version: str
    licence: str
    sha256: str
    source: str


def vendor_directory() -> Traversable:
    return resources.files("rolescope.report").joinpath("static", "vendor")


@memoized(1)
def vendored_scripts() -> tuple[VendoredScript, ...]:
    """The vendored libraries, in the order the page must load them."""
    directory = vendor_directory()
    manifest = orjson.loads(directory.joinpath("vendor.json").read_bytes())
    return tuple(VendoredScript(entry["name"], entry["version"], entry["licence"], entry["sha256"],
                                directory.joinpath(entry["file"]).read_text(encoding="utf-8"))
                 for entry in manifest["packages"])
