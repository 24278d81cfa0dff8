"""The module-level memo caches, each registered so a host process can let their memory go.

rolescope memoises pure functions of policy strings (glob patterns, parsed values, abstractions,
witnesses) and of the bundled data (catalogue, vendor list, HTML template). In the CLI they live as
long as the process, which is one scan. A long-running process that embeds rolescope — a Lambda
handler, a notebook, a service scanning on a schedule — would keep every pattern it ever saw: it calls
:func:`clear_caches` between scans. Every cache has a bound, so even without it memory is finite.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import _lru_cache_wrapper, lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

_REGISTERED: list[_lru_cache_wrapper[Any]] = []


def memoized(maxsize: int) -> Callable[[Callable[..., T]], _lru_cache_wrapper[T]]:
    """``functools.lru_cache(maxsize)``, registered for :func:`clear_caches`."""
    if maxsize <= 0:
        raise ValueError("a memo cache needs a positive bound")

    def register(function: Callable[..., T]) -> _lru_cache_wrapper[T]:
        wrapper = lru_cache(maxsize=maxsize)(function)
        _REGISTERED.append(wrapper)
        return wrapper

    return register


def clear_caches() -> None:
    """Empty every registered cache (the next scan recomputes what it needs)."""
    for wrapper in _REGISTERED:
        wrapper.cache_clear()


def cache_entries() -> dict[str, int]:
    """Entries held now, by the cached function's qualified name (for tests and diagnostics)."""
    return {f"{w.__module__}.{w.__qualname__}": w.cache_info().currsize for w in _REGISTERED}
