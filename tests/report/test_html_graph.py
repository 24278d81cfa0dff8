"""The account-level overview of the HTML report's graph: who reaches how many roles of which account, and how."""

from __future__ import annotations

from typing import Any

from rolescope.report.html_graph import overview, overview_home
from rolescope.report.index import AccountNames

A, B, C, OUT = "111111111111", "222222222222", "333333333333", "999999999999"
GITHUB = "token.actions.githubusercontent.com"


def role(account: str, name: str) -> dict[str, Any]:
    return {"id": f"arn:aws:iam::{account}:role/{name}", "kind": "role", "account": account}


def edge(source: dict[str, Any], target: dict[str, Any], cls: str, kind: str = "trust") -> dict[str, Any]:
    return {"source": source["id"], "target": target["id"], "kind": kind, "class": cls}


NODES = {
    "a1": role(A, "a1"), "a2": role(A, "a2"), "b1": role(B, "b1"), "b2": role(B, "b2"), "b3": role(B, "b3"),
    "group_a": {"id": f"group:{A}", "kind": "group", "account": A},
    "outside": {"id": f"account:{OUT}", "kind": "account", "account": OUT},
    "gh_a": {"id": f"arn:aws:iam::{A}:oidc-provider/{GITHUB}", "kind": "federated", "account": A},
    "gh_b": {"id": f"arn:aws:iam::{B}:oidc-provider/{GITHUB}", "kind": "federated", "account": B},
    "anyone": {"id": "*", "kind": "anyone", "account": None},
    "lambda": {"id": "lambda.amazonaws.com", "kind": "service", "account": None},
}


def build(edges: list[dict[str, Any]]) -> dict[str, Any]:
    names = AccountNames({OUT: "Vendor Ltd"})
    return overview(list(NODES.values()), edges, names, frozenset({A, B, C}), {A: 2, B: 3, C: 0})


def test_edges_are_aggregated_per_pair_and_weighted_by_the_roles_they_open() -> None:
    n = NODES
    result = build([
        edge(n["group_a"], n["b1"], "unguarded"), edge(n["a1"], n["b1"], "guarded", "grant"),  # b1 once, at its worst
        edge(n["group_a"], n["b2"], "guarded"),
        edge(n["a1"], n["group_a"], "internal", "member"),  # membership opens no role
        edge(n["outside"], n["b3"], "guarded"), edge(n["anyone"], n["a2"], "public"),
    ])
    edges = {(e["source"], e["target"]): e for e in result["edges"]}
    assert edges[f"account:{A}", f"account:{B}"] == {"source": f"account:{A}", "target": f"account:{B}", "roles": 2,
                                                     "classes": {"unguarded": 1, "guarded": 1}, "class": "unguarded"}
    assert edges[f"account:{OUT}", f"account:{B}"]["roles"] == 1
    assert edges["anyone", f"account:{A}"]["class"] == "public"
    assert len(edges) == 3
    kinds = {node["id"]: (node["kind"], node["label"]) for node in result["nodes"]}
    # every scanned account is a node, reached or not; an outside account is labelled with its name
    assert kinds[f"account:{C}"] == ("scanned", C)
    assert kinds[f"account:{OUT}"] == ("outside", f"{OUT} (Vendor Ltd)")
    assert kinds["anyone"] == ("anyone", "anyone")


def test_same_account_and_service_edges_stay_out_and_a_provider_is_one_node() -> None:
    n = NODES
    result = build([edge(n["a1"], n["a2"], "internal"), edge(n["lambda"], n["a1"], "internal"),
                    edge(n["gh_a"], n["a1"], "internal"), edge(n["gh_b"], n["b1"], "internal"),
                    edge(n["gh_b"], n["b2"], "internal")])
    assert [(e["source"], e["target"], e["roles"]) for e in result["edges"]] == [
        (f"provider:{GITHUB}", f"account:{A}", 1), (f"provider:{GITHUB}", f"account:{B}", 2)]
    assert [node["id"] for node in result["nodes"]].count(f"provider:{GITHUB}") == 1


def test_the_overview_is_the_same_whatever_the_order_of_the_edges() -> None:
    n = NODES
    edges = [edge(n["group_a"], n["b1"], "unguarded"), edge(n["outside"], n["b3"], "guarded"),
             edge(n["anyone"], n["a2"], "public"), edge(n["gh_b"], n["b2"], "internal")]
    assert build(edges) == build(edges[::-1])


def test_where_a_node_belongs_in_the_overview() -> None:
    assert overview_home(NODES["group_a"]) == f"account:{A}"
    assert overview_home(NODES["outside"]) == f"account:{OUT}"
    assert overview_home(NODES["gh_a"]) == f"provider:{GITHUB}"
    assert overview_home(NODES["lambda"]) is None
    assert overview_home({"id": "organization:o-1", "kind": "organization", "account": None}) == "organization:o-1"
