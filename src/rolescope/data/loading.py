"""Reading the bundled YAML data files, with libyaml's C loader when PyYAML has it (10x faster)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str) -> Any:
    """Parse YAML text safely (no arbitrary objects)."""
    return yaml.load(text, Loader=_LOADER)


def load_bundled_yaml(package: str, name: str) -> Any:
    """Parse a YAML file shipped inside ``package``."""
    return load_yaml_text(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
