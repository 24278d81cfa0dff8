"""who-can-assume, can-assume and path on the access test world (tests/trust/access_world.py), read back from
the scan document's graph section too, and the graph section reader's one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.factories import allow, gaad, role, trust, user
from tests.trust.access_world import (
    ADMIN,
    CI,
    CROSS_ADMIN,
    DEPLOY,
    DEV,
    EXTERNAL_ID,
    READ_ONLY,
    THIRD,
    TRUSTED,
    TRUSTING,
    VAULT,
    write_world,
)

from rolescope.checks.context import CheckSettings
from rolescope.pipeline import ScanSettings, scan_files
from rolescope.trust.access import Access, UnknownNode, can_assume, locate, shortest_path, trust_ways, who_can_assume
from rolescope.trust.access_why import why_no_path
from rolescope.trust.graph_json import graph_json
from rolescope.trust.graph_model import EdgeKind, NodeKind, TrustGraph
from rolescope.trust.graph_read import GraphSectionError, graph_from_section


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrustGraph, dict[str, Any]]:
    directory = write_world(tmp_path_factory.mktemp("world"))
    settings = ScanSettings(CheckSettings(), check_ids=(), graph=True, keep_graph=True, all_roles=True)
    run = scan_files([directory], settings)
    assert run.trust_graph is not None
    trusts = {r.arn: trust_ways(r.trust.paths) for a in run.document.accounts for r in a.roles}
    return run.trust_graph, trusts


def ids(answers: tuple[Access, ...]) -> dict[str, int]:
    return {a.principal.id: a.assumptions for a in answers}


def test_who_can_assume_lists_groups_then_their_members_only_when_expanded(world: Any) -> None:
    graph, _ = world
    assert ids(who_can_assume(graph, CROSS_ADMIN)) == {f"group:{TRUSTED}": 1}
    expanded = ids(who_can_assume(graph, CROSS_ADMIN, expand=True))
    assert expanded == {f"group:{TRUSTED}": 1, ADMIN: 1}
    assert DEV not in expanded  # its identity policy allows only ReadOnly


def test_who_can_assume_follows_chains_and_direct_keeps_one_hop(world: Any) -> None:
    graph, _ = world
    found = ids(who_can_assume(graph, VAULT))
    assert found[DEPLOY] == 1 and found[CI] == 2 and found[f"group:{TRUSTED}"] == 2
    assert found["ec2.amazonaws.com"] == 3  # the service that runs ci
    assert ADMIN not in found  # stands behind group:111122223333 unless expanded
    assert set(ids(who_can_assume(graph, VAULT, direct=True))) == {DEPLOY, f"group:{TRUSTING}"}
    assert ids(who_can_assume(graph, VAULT, expand=True))[ADMIN] == 2


def test_each_hop_says_what_its_request_carries(world: Any) -> None:
    graph, trusts = world
    [to_deploy, to_vault] = [a for a in can_assume(graph, CI, trusts=trusts)]
    assert (to_deploy.role.id, to_vault.role.id) == (DEPLOY, VAULT)
    assert to_vault.assumptions == 2 and to_vault.requires == ("external_id",) and to_vault.cross_account
    assert to_vault.chain[0].values == (("sts:externalid", (EXTERNAL_ID,)),)
    assert to_vault.chain[0].edge.kind is EdgeKind.GRANT and to_vault.chain[1].values == ()
    assert "CiWithExternalId" in to_vault.chain[0].explanation
    mfa = who_can_assume(graph, CROSS_ADMIN, trusts=trusts)[0]
    assert mfa.requires == ("mfa",) and mfa.last.edge.way is not None and mfa.last.edge.way.sid == "AdminsWithMfa"


def test_can_assume_cross_account_only(world: Any) -> None:
    graph, _ = world
    assert {a.role.id: a.assumptions for a in can_assume(graph, ADMIN)} == {
        CROSS_ADMIN: 1, READ_ONLY: 1, DEPLOY: 1, VAULT: 2}
    assert {a.role.id for a in can_assume(graph, CI, cross_account_only=True)} == {DEPLOY, VAULT}
    assert can_assume(graph, DEPLOY, cross_account_only=True)[0].role.account == THIRD


def test_an_assumed_role_session_stands_for_its_role(world: Any) -> None:
    graph, _ = world
    session = f"arn:aws:sts::{TRUSTED}:assumed-role/ci/i-0abc"
    assert [a.role.id for a in can_assume(graph, session)] == [a.role.id for a in can_assume(graph, CI)]


def test_path_is_the_shortest_chain(world: Any) -> None:
    graph, _ = world
    found = shortest_path(graph, CI, VAULT)
    assert found is not None
    assert [h.target.id for h in found.chain] == [DEPLOY, VAULT]
    assert shortest_path(graph, DEV, CROSS_ADMIN) is None
    itself = shortest_path(graph, DEPLOY, DEPLOY)
    assert itself is not None and itself.chain == () and itself.assumptions == 0


def test_why_no_path_names_the_missing_identity_permission(world: Any) -> None:
    graph, trusts = world
    first, second = why_no_path(graph, DEV, CROSS_ADMIN, trusts)
    assert f"trust admits account {TRUSTED} (Statement[0] AdminsWithMfa" in first
    assert "no identity policy of user dev" in first and "it may assume role ReadOnly" in first
    assert second.startswith("no chain either: user dev") and "1 role" in second


def test_why_no_path_names_the_trust_that_does_not_admit_the_account(world: Any) -> None:
    graph, trusts = world
    first, _ = why_no_path(graph, DEV, VAULT, trusts)
    assert first.startswith(f"no statement of role Vault ({THIRD})'s trust policy admits user dev")
    assert f"arn:aws:iam::{TRUSTING}:root" in first
    # from the graph alone (no trust paths): the edges into the role say the same
    assert "no way into role Vault" in why_no_path(graph, DEV, VAULT)[0]


def test_unknown_arns_suggest_the_nearest(world: Any) -> None:
    graph, _ = world
    with pytest.raises(UnknownNode, match="did you mean arn:aws:iam::222233334444:role/Vault"):
        who_can_assume(graph, VAULT[:-1])
    with pytest.raises(UnknownNode, match=r"the graph holds \d+ roles"):
        who_can_assume(graph, "arn:aws:iam::999999999999:role/zzzzzzzzzzzzzz")
    with pytest.raises(UnknownNode):
        locate(graph, ADMIN, (NodeKind.ROLE,))  # a user is not a role
    with pytest.raises(UnknownNode, match="a user allowed sts:AssumeRole on no role, and named by no trust policy"):
        can_assume(graph, f"arn:aws:iam::{TRUSTED}:user/zzzzzzzzzzzz")


def test_the_graph_section_reads_back_into_the_same_graph(world: Any) -> None:
    graph, _ = world
    again = graph_from_section(graph_json(graph))
    assert again.nodes == graph.nodes and again.edges == graph.edges
    assert ids(who_can_assume(again, VAULT)) == ids(who_can_assume(graph, VAULT))


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.update(schema="rolescope.graph/v1"), "is not 'rolescope.graph/v2'"),
    (lambda s: s.update(nodes={}), "graph.nodes is missing or not a list"),
    (lambda s: s["nodes"].append({"id": 7, "kind": "role"}), r"graph.nodes\[\d+\].id: missing or not text"),
    (lambda s: s["nodes"].append({"id": "x", "kind": "robot"}), "'robot' is not one of"),
    (lambda s: s["nodes"].append(dict(s["nodes"][0])), "appears twice"),
    (lambda s: s["edges"].append([0, 10**6, 0]), "an index out of range"),
    (lambda s: s["edges"].append([0, 1]), r"not \[source, target, way\] indexes"),
    (lambda s: s["ways"].append({"kind": "trust", "statement": "0"}), "statement: not a number"),
])
def test_a_malformed_graph_section_is_one_line(world: Any, change: Any, message: str) -> None:
    section = graph_json(world[0])
    change(section)
    with pytest.raises(GraphSectionError, match=message) as raised:
        graph_from_section(section)
    assert "\n" not in str(raised.value)


def test_a_path_to_a_public_role_starts_at_anyone(tmp_path: Path) -> None:
    ci = role("ci", trust(allow({"Service": "ec2.amazonaws.com"})), TRUSTED, inline={"a": ASSUME_ANY})
    (tmp_path / "a.json").write_text(json.dumps(gaad(role("open", trust(allow({"AWS": "*"})), TRUSTING))))
    (tmp_path / "b.json").write_text(json.dumps(gaad(ci)))
    run = scan_files([tmp_path], ScanSettings(CheckSettings(), check_ids=(), graph=False, keep_graph=True))
    assert run.trust_graph is not None
    found = shortest_path(run.trust_graph, f"arn:aws:iam::{TRUSTED}:role/ci", f"arn:aws:iam::{TRUSTING}:role/open")
    assert found is not None and found.chain[0].source.id == "anyone" and found.assumptions == 1


ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def named_alice_world(directory: Path, alice_policy: dict[str, Any] | None, *, with_users: bool = True
                      ) -> tuple[TrustGraph, dict[str, Any]]:
    """``Named`` in TRUSTING trusts alice of TRUSTED by her ARN; ``Local`` in TRUSTED trusts her too."""
    alice = f"arn:aws:iam::{TRUSTED}:user/alice"
    users = [user("alice", TRUSTED, inline={"p": alice_policy} if alice_policy else None), user("bob", TRUSTED)]
    (directory / f"{TRUSTED}.json").write_text(json.dumps(gaad(
        role("Local", trust(allow({"AWS": alice})), TRUSTED), users=users if with_users else None)))
    (directory / f"{TRUSTING}.json").write_text(json.dumps(gaad(
        role("Named", trust(allow({"AWS": alice}, sid="Alice")), TRUSTING),
        role("Other", trust(allow({"AWS": [alice, f"arn:aws:iam::{THIRD}:user/carol"]})), TRUSTING))))
    run = scan_files([directory], ScanSettings(CheckSettings(), check_ids=(), graph=True, keep_graph=True,
                                               all_roles=True))
    assert run.trust_graph is not None
    return run.trust_graph, {r.arn: trust_ways(r.trust.paths) for a in run.document.accounts for r in a.roles}


ALICE = f"arn:aws:iam::{TRUSTED}:user/alice"
NAMED, OTHER, LOCAL = (f"arn:aws:iam::{TRUSTING}:role/Named", f"arn:aws:iam::{TRUSTING}:role/Other",
                       f"arn:aws:iam::{TRUSTED}:role/Local")


def test_a_named_principal_of_another_scanned_account_needs_its_own_permission(tmp_path: Path) -> None:
    graph, trusts = named_alice_world(tmp_path, None)
    # same account: the trust naming her suffices; cross-account: her policies allow nothing
    assert [a.role.id for a in can_assume(graph, ALICE)] == [LOCAL]
    assert shortest_path(graph, ALICE, NAMED) is None
    first, _ = why_no_path(graph, ALICE, NAMED, trusts)
    assert first == (f"role Named ({TRUSTING})'s trust names user alice ({TRUSTED}) (Statement[0] Alice: {ALICE}), "
                     f"but no identity policy of "
                     f"user alice ({TRUSTED}) allows sts:AssumeRole on {NAMED} (it may assume role Local ({TRUSTED}))")
    # an outside account's principal keeps its edge: its policies are unknown
    assert f"arn:aws:iam::{THIRD}:user/carol" in ids(who_can_assume(graph, OTHER))


@pytest.mark.parametrize("resource", [NAMED, f"arn:aws:iam::{TRUSTING}:role/*", "*"])
def test_a_named_principal_with_the_permission_gets_its_edge(tmp_path: Path, resource: str) -> None:
    graph, _ = named_alice_world(tmp_path, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}]})
    found = shortest_path(graph, ALICE, NAMED)
    assert found is not None and found.assumptions == 1 and found.last.edge.way is not None
    assert found.last.edge.way.sid == "Alice"


def test_a_named_user_of_an_export_without_users_keeps_its_edge(tmp_path: Path) -> None:
    graph, _ = named_alice_world(tmp_path, None, with_users=False)
    assert shortest_path(graph, ALICE, NAMED) is not None
