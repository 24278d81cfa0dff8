"""Frozen, slotted dataclasses made and handed between processes by the hundred thousand, cheaply.

A scan makes roles, graph nodes and edges, report entries and findings once per role or more, and
sends an account's entries, findings and graph part from a worker process to the main one. Two
costs of the dataclasses machinery showed up in profiles, and each has a decorator here:

- :func:`quick_init`: a frozen dataclass's generated ``__init__`` sets each field with
  ``object.__setattr__(self, name, value)``, which looks the slot up by name through the class for
  every field of every object (five times the cost of a mutable dataclass's constructor); the
  replacement builds the object as an instance of an unfrozen twin class with the same slots, which
  plain attribute stores fill, then makes it an instance of the frozen class: the same signature,
  defaults and default factories, the object frozen once made.
- :func:`pickled_by_fields`: a slotted dataclass pickles through ``dataclasses``' generic
  ``__getstate__``/``__setstate__``, which look the fields up again for every object and write each
  back with ``object.__setattr__`` (half of what handing an account over cost, in the worker and
  again in the main process); the replacement ``__reduce__`` sends the field values as one tuple and
  rebuilds the object through its constructor, about twice as fast both ways.

Both apply above ``@dataclass(frozen=True, slots=True)`` (a slotted dataclass is a new class), and
only to classes whose construction does nothing but set every field from its arguments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

Class = TypeVar("Class", bound=type)


def _plain_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of ``cls``, a dataclass whose constructor only sets each field from a positional argument.

    Raises:
        TypeError: ``cls`` is not a dataclass of that plain kind (``__post_init__``, ``init=False``
            or keyword-only fields).
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__} does more on construction than set its fields")
    return fields


def quick_init(cls: Class) -> Class:
    """Give the frozen, slotted dataclass ``cls`` a constructor that sets its slots directly.

    Apply it above ``@dataclass(frozen=True, slots=True)``. The class also pickles (and copies) as
    with :func:`pickled_by_fields`, and cannot be subclassed. Classes whose construction does more than
    set every field (``__post_init__``, ``init=False`` or keyword-only fields), or that derive from
    another class, are refused.

    Raises:
        TypeError: ``cls`` is not a frozen, slotted dataclass of that plain kind.
    """
    fields = _plain_fields(cls)
    if not cls.__dataclass_params__.frozen or "__slots__" not in vars(cls):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} is not a frozen, slotted dataclass")
    if cls.__bases__ != (object,) or any(f.name.startswith("_quick_") for f in fields):
        raise TypeError(f"{cls.__name__} derives from another class, or names a field as quick_init's own")
    # Each object is made as an instance of an unfrozen twin, whose slots take plain stores (a frozen
    # class's __setattr__ refuses them, and writing through each slot's descriptor cost several times
    # as much), then becomes an instance of ``cls``: the layouts are the same, so __class__ may change.
    unfrozen = type(f"_Unfrozen{cls.__name__}", (), {"__slots__": vars(cls)["__slots__"]})
    unfrozen().__class__ = cls  # a layout Python would not convert fails here, not in use
    namespace: dict[str, Any] = {"_quick_missing": dataclasses.MISSING, "_quick_unfrozen": unfrozen}
    parameters, defaults, body = [], [], []
    for number, item in enumerate(fields):
        if item.default is not dataclasses.MISSING:
            namespace[f"_quick_default{number}"] = item.default
            parameters.append(f"{item.name}=_quick_default{number}")
        elif item.default_factory is not dataclasses.MISSING:
            namespace[f"_quick_factory{number}"] = item.default_factory
            parameters.append(f"{item.name}=_quick_missing")
            defaults.append(f" if {item.name} is _quick_missing: {item.name} = _quick_factory{number}()")
        else:
            parameters.append(item.name)
        body.append(f" _quick_self.{item.name} = {item.name}")
    source = (f"def __new__(_quick_cls, {', '.join(parameters)}):\n" + "".join(f"{line}\n" for line in defaults)
              + " _quick_self = _quick_unfrozen()\n" + "".join(f"{line}\n" for line in body)
              + " _quick_self.__class__ = _quick_cls\n return _quick_self\n")
    # Generated from the class's own field names, as dataclasses generates the constructor it replaces.
    exec(source, namespace)
    new = namespace["__new__"]
    new.__qualname__ = f"{cls.__qualname__}.__new__"
    new.__doc__ = vars(cls)["__init__"].__doc__
    setattr(cls, "__new__", staticmethod(new))  # noqa: B010 - mypy refuses assigning a method
    delattr(cls, "__init__")  # object's, which accepts what __new__ did
    setattr(cls, "__init_subclass__", classmethod(_refuse_subclass))  # noqa: B010 - as above
    return pickled_by_fields(cls)  # rebuilt through the constructor: __new__ takes the field values


def _refuse_subclass(cls: type, /, **kwargs: Any) -> None:
    """A subclass would be built by its base's ``__new__``, as its base."""
    raise TypeError(f"{cls.__name__}: a class built by quick_init cannot be subclassed")


def pickled_by_fields(cls: Class) -> Class:
    """Make instances of the dataclass ``cls`` pickle as ``cls(*field values)``.

    Apply it above ``@dataclass`` (a slotted dataclass is a new class). The constructor must rebuild
    an equal object from the field values, so every field must be an ``__init__`` parameter that can
    be passed by position and nothing may run after ``__init__``.

    Raises:
        TypeError: ``cls`` is not a dataclass, or its constructor cannot rebuild it from its fields.
    """
    names = [f.name for f in _plain_fields(cls)]
    values: Callable[[Any], tuple[Any, ...]] = (
        attrgetter(*names) if len(names) > 1 else lambda instance: tuple(getattr(instance, n) for n in names))

    def __reduce__(self: Any) -> tuple[Class, tuple[Any, ...]]:
        return cls, values(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 - mypy refuses assigning a method
    return cls
