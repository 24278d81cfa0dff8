"""Compact pickling: what a worker sends the main process pickles as field values and comes back equal."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from rolescope.cli.demo import sample_org_path
from rolescope.inventory.files import expand, load_file, merge_organizations
from rolescope.inventory.model import Organization
from rolescope.pickling import pickled_by_fields
from rolescope.pipeline import AccountOutcome, ScanSettings, scan_account
from rolescope.scanner import TrustCache


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: tuple[int, ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Single:
    only: str


def test_an_instance_pickles_as_its_class_and_field_values() -> None:
    pair = Pair("a", (1, 2))
    assert pair.__reduce__() == (Pair, ("a", (1, 2)))
    assert Single("x").__reduce__() == (Single, ("x",))
    assert pickle.loads(pickle.dumps([pair, pair, Single("x")])) == [pair, pair, Single("x")]


def test_objects_shared_before_pickling_are_shared_after() -> None:
    shared = Pair("a")
    again = pickle.loads(pickle.dumps((shared, shared)))
    assert again[0] is again[1]


def test_classes_their_constructor_cannot_rebuild_are_refused() -> None:
    @dataclass(frozen=True)
    class Derived:
        value: int
        twice: int = field(init=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "twice", self.value * 2)

    @dataclass(frozen=True)
    class KeywordOnly:
        value: int = field(kw_only=True)

    for cls in (Derived, KeywordOnly, int):
        with pytest.raises(TypeError):
            pickled_by_fields(cls)


def _dataclass_objects(value: Any, seen: set[int]) -> Iterator[Any]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for item in dataclasses.fields(value):
            yield from _dataclass_objects(getattr(value, item.name), seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dataclass_objects(key, seen)
            yield from _dataclass_objects(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _dataclass_objects(item, seen)


def _outcomes() -> list[AccountOutcome]:
    files = [p for p in expand([sample_org_path()]) if not isinstance(load_file(p), Organization)]
    organization = merge_organizations([o for p in expand([sample_org_path()])
                                        if isinstance(o := load_file(p), Organization)])
    settings = ScanSettings()
    settings = dataclasses.replace(settings, checks=dataclasses.replace(settings.checks, organization=organization))
    cache = TrustCache()
    return [scan_account(path, settings, cache) for path in files]


def test_every_object_an_account_outcome_holds_pickles_by_its_fields() -> None:
    # A class added to what crosses between processes without pickled_by_fields would pickle
    # through dataclasses' slow generic state functions again.
    outcomes = _outcomes()
    found = {type(o) for outcome in outcomes for o in _dataclass_objects(outcome, set())}
    assert {"AccountOutcome", "FindingEntry", "AccountGraphPart", "TrustRef", "GraphPrincipal"} <= \
        {cls.__name__ for cls in found}
    slow = sorted(cls.__name__ for cls in found if "__reduce__" not in vars(cls))
    assert slow == []
    assert pickle.loads(pickle.dumps(outcomes)) == outcomes
