"""Frozen, slotted dataclasses that pickle as one tuple of their field values.

What crosses from a worker process to the main one (an account's findings, entries and trust graph
part) is tens of thousands of small frozen dataclasses an account. By default a slotted dataclass
pickles through ``dataclasses``' generic ``__getstate__``/``__setstate__``, which look the class's
fields up again for every object and write each one back with ``object.__setattr__``: that was half
of what handing an account over cost, in the worker and again in the main process.
:func:`pickled_by_fields` gives a class a ``__reduce__`` that sends the field values as one tuple and
rebuilds the object through its own constructor, which is about twice as fast both ways.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

Class = TypeVar("Class", bound=type)


def pickled_by_fields(cls: Class) -> Class:
    """Make instances of the dataclass ``cls`` pickle as ``cls(*field values)``.

    Apply it above ``@dataclass`` (a slotted dataclass is a new class). The constructor must rebuild
    an equal object from the field values, so every field must be an ``__init__`` parameter that can
    be passed by position and nothing may run after ``__init__``.

    Raises:
        TypeError: ``cls`` is not a dataclass, or its constructor cannot rebuild it from its fields.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__} cannot be rebuilt from its fields by position")
    names = [f.name for f in fields]
    values: Callable[[Any], tuple[Any, ...]] = (
        attrgetter(*names) if len(names) > 1 else lambda instance: tuple(getattr(instance, n) for n in names))

    def __reduce__(self: Any) -> tuple[Class, tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
