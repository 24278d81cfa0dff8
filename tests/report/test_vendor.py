"""The vendored graph library: pinned, unchanged since it was vendored, licensed, and shipped in the package."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

from rolescope.report.html_vendor import vendor_directory, vendored_scripts

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "rolescope" / "report" / "static" / "vendor"


def manifest() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((VENDOR / "vendor.json").read_text())["packages"]
    return entries


def test_each_file_is_the_one_the_manifest_pins_with_its_licence() -> None:
    entries = manifest()
    assert [e["name"] for e in entries] == ["cytoscape", "layout-base", "cose-base", "cytoscape-fcose"]
    for entry in entries:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry
        script = VENDOR / entry["file"]
        assert script.name == f"{entry['name']}-{entry['version']}.min.js"
        assert hashlib.sha256(script.read_bytes()).hexdigest() == entry["sha256"], f"{script.name} was changed"
        licence = VENDOR / entry["licence_file"]
        assert hashlib.sha256(licence.read_bytes()).hexdigest() == entry["licence_sha256"]
        assert entry["licence"] == "MIT" and "Permission is hereby granted" in licence.read_text()
    # nothing vendored that the manifest does not list
    listed = {e["file"] for e in entries} | {e["licence_file"] for e in entries} | {"vendor.json"}
    assert {p.name for p in VENDOR.iterdir()} == listed


def test_the_package_loads_them_in_the_manifest_order() -> None:
    loaded = vendored_scripts()
    pinned = [(e["name"], e["version"], e["sha256"]) for e in manifest()]
    assert [(s.name, s.version, s.sha256) for s in loaded] == pinned
    assert all(hashlib.sha256(s.source.encode()).hexdigest() == s.sha256 for s in loaded)
    assert vendor_directory().joinpath("vendor.json").is_file()


def test_the_package_data_carries_them() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "report/static/vendor/*" in setuptools["rolescope"]


def test_nothing_vendored_needs_eval_or_closes_its_script_block() -> None:
    # the page's CSP has no 'unsafe-eval': a library that builds code from strings would break under it
    # (cytoscape's one `Function("return this")` is behind `self`, which a browser always has)
    for script in vendored_scripts():
        assert "eval(" not in script.source and "new Function" not in script.source, script.name
        assert not re.search(r"</script|<!--", script.source, re.IGNORECASE), script.name
