"""Every role one principal can reach, read from a graph section: direct roles, chains, and what each hop needs."""

from __future__ import annotations

from typing import Any

import pytest

from rolescope.trust.principal_reach import GraphSectionError, ReachedRole, reachable_roles

START, HOP, TARGET = ("arn:aws:iam::111122223333:role/start", "arn:aws:iam::444455556666:role/hop",
                      "arn:aws:iam::222233334444:role/target")
NO_RIGHTS = "arn:aws:iam::111122223333:user/intern"


def section() -> dict[str, Any]:
    """docs/graph.md's example, plus a user with no identity
    permission and a role start reaches by a grant and by its account's group (with MFA)."""
    nodes = [{"id": START, "kind": "role"}, {"id": TARGET, "kind": "role"}, {"id": HOP, "kind": "role"},
             {"id": "group:111122223333", "kind": "group"}, {"id": "group:444455556666", "kind": "group"},
             {"id": NO_RIGHTS, "kind": "user"}, {"id": "arn:aws:iam::444455556666:role/guarded", "kind": "role"}]
    ways = [{"kind": "member"}, {"kind": "trust", "requires": []}, {"kind": "trust", "requires": ["mfa"]},
            {"kind": "grant", "requires": []}]
    edges = [[0, 3, 0], [2, 4, 0], [4, 1, 1], [3, 2, 1], [3, 6, 2], [0, 6, 3]]
    return {"nodes": nodes, "ways": ways, "edges": edges}


def test_direct_roles_then_chains_each_with_the_easiest_way_in() -> None:
    assert reachable_roles(section(), START) == [
        ReachedRole("arn:aws:iam::444455556666:role/guarded", None, (), 1),  # the grant needs no MFA, the trust does
        ReachedRole(HOP, None, (), 1),
        ReachedRole(TARGET, HOP, (), 2),
    ]


def test_a_principal_without_permission_or_absent_reaches_nothing() -> None:
    assert reachable_roles(section(), NO_RIGHTS) == []
    assert reachable_roles(section(), "arn:aws:iam::999999999999:user/nobody") == []


@pytest.mark.parametrize(("broken", "message"), [
    (None, "no graph section"),
    ({"nodes": [], "ways": [], "edges": [[0, 1, 0]]}, "edges[0] is not [source, target, way]"),
    ({"nodes": [{"id": 1, "kind": "role"}], "ways": [], "edges": []}, "nodes[0].id is not a string"),
    ({"nodes": {}, "ways": [], "edges": []}, "must be lists"),
])
def test_a_broken_section_is_one_clear_error(broken: Any, message: str) -> None:
    with pytest.raises(GraphSectionError, match=message.replace("[", r"\[")):
        reachable_roles(broken, START)


def test_a_group_is_not_a_principal() -> None:
    with pytest.raises(GraphSectionError, match="is a group of the graph"):
        reachable_roles(section(), "group:111122223333")
