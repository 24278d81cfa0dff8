"""The dense benchmark shape: the proportions issue 10 names, measured on the files, read as GAAD."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from bench.generate import MANIFEST, ORG_FILE, generate
from tests.bench.files import directory_digest

from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.inventory.model import AccountSnapshot, Organization, Role

ADMIN = {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess"}


def statements(role: Role) -> list[dict[str, Any]]:
    found = role.trust_policy["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def aws_principals(statement: dict[str, Any]) -> set[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return {"*"}
    value = principal.get("AWS", []) if isinstance(principal, dict) else []
    return {value} if isinstance(value, str) else set(value)


def whom(role: Role, account: str, members: frozenset[str]) -> str:
    """Whom the role's trust lets in, read the way a reviewer would (independently of the generator)."""
    allowed = set().union(*(aws_principals(s) for s in statements(role) if s["Effect"] == "Allow"))
    text = orjson.dumps(role.trust_policy).decode()
    if "*" in allowed and ("aws:PrincipalOrgID" in text or "aws:PrincipalOrgPaths" in text):
        return "org-wide"
    if f"arn:aws:iam::{account}:root" in allowed:
        return "own-root"
    if {f"arn:aws:iam::{m}:root" for m in members} & allowed:
        return "member-root"
    return "other"


def is_admin(role: Role) -> bool:
    return any(p.arn in ADMIN for p in role.attached_policies)


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("dense")
    return out, generate(out, roles=3000, accounts=3, seed=5, shape="dense").as_json()


@pytest.fixture(scope="module")
def loaded(dense: tuple[Path, dict[str, Any]]) -> tuple[list[AccountSnapshot], Organization]:
    snapshots, failures, organizations = load_snapshots([dense[0]])
    assert not failures
    organization = merge_organizations(organizations)
    assert organization is not None
    return snapshots, organization


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path, dense: tuple[Path, dict[str, Any]]) -> None:
    generate(tmp_path, roles=3000, accounts=3, seed=5, shape="dense")
    assert directory_digest(tmp_path) == directory_digest(dense[0])


def test_another_seed_or_shape_writes_another_organisation(tmp_path: Path, dense: tuple[Path, dict[str, Any]]
                                                           ) -> None:
    generate(tmp_path / "seed", roles=3000, accounts=3, seed=6, shape="dense")
    generate(tmp_path / "mixed", roles=3000, accounts=3, seed=5, shape="mixed")
    assert len({directory_digest(d) for d in (dense[0], tmp_path / "seed", tmp_path / "mixed")}) == 3


def test_the_files_are_gaad_of_the_accounts_asked_for(loaded: tuple[list[AccountSnapshot], Organization],
                                                      dense: tuple[Path, dict[str, Any]]) -> None:
    snapshots, organization = loaded
    assert [len(s.roles) for s in snapshots] == [1000, 1000, 1000]
    assert dense[1]["roles"] == 3000 and dense[1]["shape"] == "dense"
    # Fewer accounts than an organisation's landing zone has: the others are listed, not scanned.
    assert len(organization.account_ids) == dense[1]["members"] == 6
    assert {s.account_id for s in snapshots} < organization.account_ids
    assert organization.management_account not in {s.account_id for s in snapshots}
    assert sorted(p.name for p in dense[0].iterdir() if not p.name.endswith(".json")) == [MANIFEST]


@pytest.mark.parametrize(("share", "target"), [("own-root", 0.10), ("member-root", 0.08), ("org-wide", 0.03)])
def test_every_account_trusts_roots_and_the_organisation_in_the_promised_shares(
        loaded: tuple[list[AccountSnapshot], Organization], share: str, target: float) -> None:
    snapshots, organization = loaded
    for snapshot in snapshots:
        counts = Counter(whom(r, snapshot.account_id, organization.account_ids) for r in snapshot.roles)
        assert abs(counts[share] - target * len(snapshot.roles)) <= 1, (snapshot.account_id, counts)


def test_half_of_the_roles_may_assume_any_role(loaded: tuple[list[AccountSnapshot], Organization]) -> None:
    for snapshot in loaded[0]:
        admins = [r for r in snapshot.roles if is_admin(r)]
        assert abs(len(admins) - len(snapshot.roles) / 2) <= 1
        # Not only one kind of role: service roles, root-trusting roles and cross-account roles among them.
        kinds = Counter(whom(r, snapshot.account_id, loaded[1].account_ids) for r in admins)
        assert all(kinds[k] >= 10 for k in ("own-root", "member-root", "other")), kinds


def test_the_manifest_counts_what_the_files_hold(loaded: tuple[list[AccountSnapshot], Organization],
                                                 dense: tuple[Path, dict[str, Any]]) -> None:
    snapshots, organization = loaded
    measured = Counter(whom(r, s.account_id, organization.account_ids) for s in snapshots for r in s.roles)
    assert dense[1]["trust_classes"] == dict(measured)
    assert dense[1]["admin_roles"] == sum(is_admin(r) for s in snapshots for r in s.roles)
    assert orjson.loads((dense[0] / MANIFEST).read_bytes()) == dense[1]


def test_the_rest_is_a_realistic_mix(loaded: tuple[list[AccountSnapshot], Organization]) -> None:
    text = [orjson.dumps(r.trust_policy).decode() for s in loaded[0] for r in s.roles]
    for needle in ('"Service":', "oidc.eks.", "token.actions.githubusercontent.com", "sts:ExternalId",
                   "aws:MultiFactorAuthPresent", "saml-provider", "aws:SourceArn", ":role/ci/", "AROA"):
        assert sum(needle in t for t in text) >= 10, needle


def test_users_sit_in_admin_groups_and_some_hold_explicit_grants(
        loaded: tuple[list[AccountSnapshot], Organization]) -> None:
    for snapshot in loaded[0]:
        groups = {g.name: {p.name for p in g.attached_policies} for g in snapshot.groups}
        assert groups["Admins"] == {"AdministratorAccess"} and groups["Developers"] == {"PowerUserAccess"}
        users = snapshot.users
        assert len(users) >= 40
        in_admin_groups = [u for u in users if {"Admins", "Developers"} & set(u.groups)]
        assert len(in_admin_groups) >= len(users) / 3
        assert any(p.name == "AdministratorAccess" for u in users for p in u.attached_policies)
        grants = [p for u in users for p in u.inline_policies]
        assert grants and all(s["Action"] == "sts:AssumeRole" for p in grants for s in p.document["Statement"])


def test_a_role_weighs_what_a_real_one_does(tmp_path: Path, dense: tuple[Path, dict[str, Any]]) -> None:
    """The report's "no larger than its input" target is only meaningful on an input of honest size."""
    mixed = generate(tmp_path, roles=3000, accounts=12, seed=5).as_json()
    dense_per_role = dense[1]["bytes"] / dense[1]["roles"]
    assert 1_500 <= dense_per_role <= 4_000
    assert 0.8 <= dense_per_role / (mixed["bytes"] / mixed["roles"]) <= 1.5
    for path in dense[0].glob("*.json"):
        if path.name != ORG_FILE:
            for role in orjson.loads(path.read_bytes())["RoleDetailList"]:
                assert {"RoleLastUsed", "Tags", "InstanceProfileList", "RolePolicyList",
                        "AttachedManagedPolicies", "CreateDate", "RoleId"} <= set(role)


def test_a_single_dense_account(tmp_path: Path) -> None:
    manifest = generate(tmp_path, roles=1000, accounts=1, shape="dense")
    snapshots, failures, organizations = load_snapshots([tmp_path])
    organization = merge_organizations(organizations)
    assert not failures and organization is not None
    (snapshot,) = snapshots
    assert len(snapshot.roles) == 1000 and manifest.files == 2
    counts = Counter(whom(r, snapshot.account_id, organization.account_ids) for r in snapshot.roles)
    assert (counts["own-root"], counts["member-root"], counts["org-wide"]) == (100, 80, 30)
    assert sum(is_admin(r) for r in snapshot.roles) == 500


def test_generation_holds_one_account_at_a_time(tmp_path: Path) -> None:
    """Four times the accounts (of the same size) must not take four times the memory: files are streamed."""
    peaks = []
    for accounts in (2, 8):
        tracemalloc.start()
        generate(tmp_path / str(accounts), roles=300 * accounts, accounts=accounts, seed=3, shape="dense")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_unknown_shapes_and_empty_organisations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        generate(tmp_path, roles=10, shape="sparse")
    with pytest.raises(ValueError, match="at least one account"):
        generate(tmp_path, roles=10, accounts=-1)
