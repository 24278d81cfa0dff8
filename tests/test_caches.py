"""The memo caches are registered, bounded, and emptied by clear_caches (for processes that embed rolescope)."""

from __future__ import annotations

import gc
import importlib
import pkgutil
from functools import _lru_cache_wrapper
from pathlib import Path

import pytest

import rolescope
from rolescope.caches import cache_entries, clear_caches, memoized
from rolescope.pipeline import ScanSettings, scan_files

SAMPLE = Path(rolescope.__file__).parent / "data" / "sample_org"


def _all_modules() -> None:
    for info in pkgutil.walk_packages(rolescope.__path__, "rolescope."):
        importlib.import_module(info.name)


def test_every_module_level_lru_cache_is_registered_and_bounded() -> None:
    _all_modules()
    registered = set(cache_entries())
    unregistered = []
    for info in pkgutil.walk_packages(rolescope.__path__, "rolescope."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, _lru_cache_wrapper) and value.__module__ == module.__name__:
                maxsize = value.cache_info().maxsize
                if f"{value.__module__}.{value.__qualname__}" not in registered or maxsize is None:
                    unregistered.append(f"{module.__name__}.{name} (maxsize={maxsize})")
    # the one exception: a guard run once, holding no data
    assert [u for u in unregistered if "_check_fields" not in u] == []


def test_a_scan_fills_the_caches_and_clear_caches_empties_them() -> None:
    clear_caches()
    scan_files([SAMPLE], ScanSettings())
    assert sum(cache_entries().values()) > 0
    clear_caches()
    assert sum(cache_entries().values()) == 0


def test_the_library_leaves_the_collector_as_it_found_it(monkeypatch: pytest.MonkeyPatch) -> None:
    touched: list[str] = []
    for name in ("freeze", "disable", "enable", "unfreeze"):
        monkeypatch.setattr(gc, name, lambda name=name: touched.append(name))
    scan_files([SAMPLE], ScanSettings())
    assert touched == []


def test_memoized_refuses_an_unbounded_cache() -> None:
    with pytest.raises(ValueError, match="bound"):
        memoized(0)
