"""The benchmark's mixed organisations: reproducible, the promised mix, readable as GAAD output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.accounts import KINDS, WORKLOAD_MIX
from bench.generate import GENERATOR_VERSION, MANIFEST, ORG_FILE, generate
from bench.perimeter import POLICIES_FILE
from tests.bench.files import directory_digest

from rolescope.inventory.files import expand, load_snapshots, merge_organizations
from rolescope.pipeline import ScanSettings, scan_files
from rolescope.trust.perimeter_verdict import PerimeterStatus

# sha256 over (name, bytes) of the GAAD and organisation files of generate(roles=3000, accounts=12, seed=5),
# as each generator version writes them (version 2: commit 0167b8e).
MIXED_DIGESTS = {2: "2808bf76b2cceef4628946da086b7452b87ef85189b15d35265fb560cfd065df"}



@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("org")
    manifest = generate(out, roles=3000, accounts=12, seed=5)
    return out, manifest.as_json()


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path, org: tuple[Path, dict]) -> None:
    generate(tmp_path, roles=3000, accounts=12, seed=5)
    assert directory_digest(tmp_path) == directory_digest(org[0])


def test_the_mixed_shape_writes_what_its_generator_version_wrote(org: tuple[Path, dict]) -> None:
    """Cached organisations and published results stay reproducible: any change bumps GENERATOR_VERSION."""
    assert directory_digest(org[0], "*.json") == MIXED_DIGESTS[GENERATOR_VERSION]


def test_another_seed_writes_another_organisation(tmp_path: Path, org: tuple[Path, dict]) -> None:
    generate(tmp_path, roles=3000, accounts=12, seed=6)
    assert directory_digest(tmp_path) != directory_digest(org[0])


def test_the_roles_and_accounts_asked_for(org: tuple[Path, dict]) -> None:
    out, manifest = org
    snapshots, failures, organizations = load_snapshots([out])
    assert not failures
    assert len(snapshots) == 12
    assert sum(len(s.roles) for s in snapshots) == 3000 == manifest["roles"]
    assert all(len(s.roles) == 250 for s in snapshots)
    organization = merge_organizations(organizations)
    assert organization is not None and organization.account_ids == {s.account_id for s in snapshots}
    assert organization.management_account in organization.account_ids


def test_every_promised_kind_is_there_in_about_its_share(org: tuple[Path, dict]) -> None:
    kinds = org[1]["kinds"]
    assert set(kinds) == set(KINDS)
    landing = {"service-linked", "saml-sso", "public-org"}
    workload_total = sum(WORKLOAD_MIX.values())
    drawn = 3000 - sum(kinds[k] for k in landing) - 12 * 8  # landing-zone roles of other kinds, roughly
    for kind, weight in WORKLOAD_MIX.items():
        expected = drawn * weight / workload_total
        if expected >= 50:
            assert 0.6 * expected <= kinds[kind] <= 1.6 * expected + 60, kind


def test_the_mix_has_the_trust_shapes_it_names(org: tuple[Path, dict]) -> None:
    """Each kind holds what its name says, read back from the files."""
    shapes: dict[str, set[str]] = {}
    for path in sorted(org[0].glob("*.json")):
        if path.name == ORG_FILE:
            continue
        for role in json.loads(path.read_text())["RoleDetailList"]:
            text = json.dumps(role["AssumeRolePolicyDocument"])
            for needle in ("sts:ExternalId", "aws:MultiFactorAuthPresent", "BoolIfExists", "aws:SourceAccount",
                           "aws:SourceArn", "oidc.eks.", "token.actions.githubusercontent.com", "saml-provider",
                           "SAML:aud", '"Deny"', "aws:PrincipalOrgID", '"AWS": "*"', "AROA", "464622532012"):
                if needle in text:
                    shapes.setdefault(needle, set()).add(role["RoleName"])
    assert len(shapes) == 14
    assert all(len(names) >= 3 for needle, names in shapes.items() if needle != "AROA")


def test_the_manifest_is_not_read_as_a_snapshot(org: tuple[Path, dict]) -> None:
    out, manifest = org
    assert (out / MANIFEST).exists()
    assert out / MANIFEST not in list(expand([out]))
    assert json.loads((out / MANIFEST).read_text()) == manifest
    assert manifest["distinct_trust_documents"] < manifest["roles"]



def test_the_perimeter_puts_every_member_behind_the_data_perimeter_rcps(tmp_path: Path) -> None:
    out = tmp_path / "perimeter"
    manifest = generate(out, roles=400, accounts=1, seed=5, shape="dense", perimeter=True).as_json()
    assert manifest["perimeter"] is True and manifest["files"] == 3 and (out / POLICIES_FILE).exists()
    # without it: the same accounts, no policies file, the manifest as it always was
    plain = generate(tmp_path / "plain", roles=400, accounts=1, seed=5, shape="dense").as_json()
    assert "perimeter" not in plain and not (tmp_path / "plain" / POLICIES_FILE).exists()
    assert directory_digest(out, "[0-9]*.json") == directory_digest(tmp_path / "plain", "[0-9]*.json")

    files = list(expand([out]))
    orgs = [p for p in files if p.name.startswith("organization")]
    run = scan_files([p for p in files if p not in orgs], ScanSettings(graph=False, all_roles=True), org_files=orgs)
    (account,) = run.document.accounts
    statuses: dict[bool, set[str]] = {False: set(), True: set()}
    for entry in account.roles:
        assert entry.perimeter is not None
        statuses[entry.path.startswith("/aws-service-role/")].add(entry.perimeter["status"])
    # every role is covered but the service-linked ones, which RCPs leave alone; the listed vendors
    # still get in, by the identity statement's exception
    assert statuses[True] == {PerimeterStatus.EXEMPT.value}
    assert {PerimeterStatus.ENFORCED.value, PerimeterStatus.EXCEPTION.value} <= statuses[False], statuses
    assert PerimeterStatus.NOT_COVERED.value not in statuses[False]
