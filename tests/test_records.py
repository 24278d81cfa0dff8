"""Frozen records: quick_init builds them as the dataclass constructor does, pickled_by_fields pickles them
as field values; what a worker sends the main process uses both."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from rolescope.cli.demo import sample_org_path
from rolescope.inventory.files import expand, load_file, merge_organizations
from rolescope.inventory.model import Organization, Role
from rolescope.pipeline import AccountOutcome, ScanSettings, scan_account
from rolescope.records import pickled_by_fields, quick_init
from rolescope.scanner import TrustCache
from rolescope.trust.graph_model import EdgeKind, GraphEdge


@dataclass(frozen=True, slots=True)
class Plain:
    name: str
    count: int = 3
    tags: tuple[str, ...] = ()
    seen: list[str] = field(default_factory=list)


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:  # Plain, built by quick_init
    name: str
    count: int = 3
    tags: tuple[str, ...] = ()
    seen: list[str] = field(default_factory=list)


@pytest.mark.parametrize(("args", "kwargs"), [
    (("a",), {}), (("a", 5), {}), (("a",), {"tags": ("x",)}), ((), {"name": "b", "seen": ["s"], "count": 0}),
    (("a", 1, ("t",), ["u"]), {}),
])
def test_it_binds_and_sets_as_the_dataclass_constructor_does(args: tuple[object, ...], kwargs: dict[str, object]
                                                              ) -> None:
    plain, quick = Plain(*args, **kwargs), Quick(*args, **kwargs)  # type: ignore[arg-type]
    assert dataclasses.astuple(plain) == dataclasses.astuple(quick)


def test_each_object_gets_its_own_default_factory_value() -> None:
    first, second = Quick("a"), Quick("b")
    assert first.seen == [] and first.seen is not second.seen


def test_bad_calls_fail_as_they_would_and_objects_stay_frozen() -> None:
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", nope=1)  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Quick("a").name = "b"  # type: ignore[misc]


def test_objects_are_of_the_frozen_class_and_equal_to_the_dataclass_s_own() -> None:
    quick = Quick("a", 2, ("t",), ["s"])
    assert type(quick) is Quick and isinstance(quick, Quick)
    assert quick == Quick("a", 2, ("t",), ["s"]) and repr(quick) == repr(Plain("a", 2, ("t",), ["s"])).replace(
        "Plain", "Quick")
    assert dataclasses.replace(quick, count=7) == Quick("a", 7, ("t",), ["s"])


def test_objects_copy_and_pickle_as_their_field_values() -> None:
    quick = Quick("a", 2, ("t",), ["s"])
    for again in (copy.copy(quick), copy.deepcopy(quick), pickle.loads(pickle.dumps(quick))):
        assert again == quick and type(again) is Quick
    assert copy.deepcopy(quick).seen is not quick.seen


def test_a_class_built_by_it_cannot_be_subclassed() -> None:
    # its __new__ would build a subclass's objects as the base class's
    with pytest.raises(TypeError):
        type("Sub", (Quick,), {})


def test_the_scan_s_hot_classes_use_it() -> None:
    # Made once per role or more: the dataclass-generated frozen constructor was ~8 % of a scan's CPU.
    assert "_quick_unfrozen" in GraphEdge.__new__.__code__.co_names
    assert "_quick_unfrozen" in Role.__new__.__code__.co_names
    assert GraphEdge(1, 2, EdgeKind.TRUST) == GraphEdge(source=1, target=2, kind=EdgeKind.TRUST, way=None, via=None)


def test_classes_it_cannot_rebuild_are_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Derived:
        value: int
        twice: int = field(init=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "twice", self.value * 2)

    @dataclass(slots=True)
    class Mutable:
        value: int

    @dataclass(frozen=True)
    class Unslotted:
        value: int

    @dataclass(frozen=True)
    class KeywordOnly:
        value: int = field(kw_only=True)

    @dataclass(frozen=True, slots=True)
    class Base:
        value: int

    @dataclass(frozen=True, slots=True)
    class Child(Base):
        more: int

    @dataclass(frozen=True, slots=True)
    class OwnName:
        _quick_self: int

    for cls in (Derived, KeywordOnly, Mutable, Unslotted, Child, OwnName, int):
        with pytest.raises(TypeError):
            quick_init(cls)
    for cls in (Derived, KeywordOnly, int):
        with pytest.raises(TypeError):
            pickled_by_fields(cls)


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


def test_an_outcome_sends_its_findings_principals_and_roles_as_rows_and_gets_them_back() -> None:
    # AccountOutcome and AccountGraphPart pickle these by their field values, not object by object.
    outcomes = [o for o in _outcomes() if o.findings and o.graph_part is not None]
    assert outcomes
    for outcome in outcomes:
        again = pickle.loads(pickle.dumps(outcome))
        assert again == outcome
        assert all(type(f) is type(outcome.findings[0]) for f in again.findings)
        part, before = again.graph_part, outcome.graph_part
        assert part is not None and before is not None
        # roles sharing one tuple of ways in still share it
        shared = {id(r.refs) for r in before.roles}
        assert len({id(r.refs) for r in part.roles}) == len(shared)
