"""Synthetic organisations written as ``aws iam get-account-authorization-details`` files.

Two shapes: **mixed** (the default; :mod:`bench.accounts`), ~250 roles an account drawn from a
weighted mix of trust shapes with few admin-capable principals; and **dense** (:mod:`bench.dense`),
accounts of ~1,000–2,000 roles where half the roles may assume any role and a fifth trust an
account root or the whole organisation, the organisations that broke the trust graph (issue 10).

Everything is drawn from :class:`random.Random` seeded from ``seed`` and the shape: the same arguments
write the same bytes. Files are named ``<account id>-<account name>.json`` beside an
``organization.json`` (``list-accounts`` + ``describe-organization``), so ``rolescope scan --from DIR``
reads the lot; the manifest (``org.manifest``, JSON) is named so the scan does not read it. Each
account's file is written as soon as it is drawn: generating a million roles holds one account at a time.

An organisation has at least :data:`MIN_MEMBERS` members (management, security, log-archive,
shared-services, identity, a workload); asked for fewer accounts, it lists them all in
``organization.json`` and writes files for the last ones only (a single workload account with
``--accounts 1``), as when one account of a larger organisation is audited.

With ``--perimeter`` either shape's organisation also gets an ``organization-policies.json`` that puts
every member behind AWS's data-perimeter RCPs (:mod:`bench.perimeter`); the account files are the same.

Usage: ``python -m bench.generate OUT_DIR --roles 10000 [--accounts N] [--shape mixed|dense] [--seed 7]
[--perimeter]``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.accounts import ACCOUNT_FUNCTIONS, AccountBuilder, Json, Org, build_org
from bench.dense import ADMIN_ARNS, DenseAccountBuilder, trust_class
from bench.perimeter import POLICIES_FILE, perimeter_file

# Bump when the output of an existing shape changes, so cached organisations are regenerated.
GENERATOR_VERSION = 2
MANIFEST = "org.manifest"
ORG_FILE = "organization.json"
ROLES_PER_ACCOUNT = 250  # mixed
DENSE_ROLES_PER_ACCOUNT = 1_000
MIN_MEMBERS = len(ACCOUNT_FUNCTIONS) + 1
# shape -> (account builder, prefix of each account's random stream)
SHAPES: dict[str, tuple[type[AccountBuilder], str]] = {
    "mixed": (AccountBuilder, "account"),
    "dense": (DenseAccountBuilder, "dense"),
}


@dataclass(frozen=True, slots=True)
class Manifest:
    """What was generated: ``roles`` roles in ``accounts`` account files of a ``members``-account organisation."""

    seed: int
    roles: int
    accounts: int
    org_id: str
    kinds: dict[str, int]
    files: int
    bytes: int
    distinct_trust_documents: int
    shape: str = "mixed"
    members: int = 0
    trust_classes: dict[str, int] | None = None  # see bench.dense.trust_class
    admin_roles: int = 0  # roles with AdministratorAccess or PowerUserAccess attached
    version: int = GENERATOR_VERSION
    perimeter: bool = False  # organization-policies.json holds data-perimeter RCPs (bench.perimeter)

    def as_json(self) -> Json:
        found: Json = {
            "version": self.version, "shape": self.shape, "seed": self.seed, "roles": self.roles,
            "accounts": self.accounts, "members": self.members, "org_id": self.org_id,
            "kinds": dict(sorted(self.kinds.items())),
            "trust_classes": dict(sorted((self.trust_classes or {}).items())),
            "admin_roles": self.admin_roles, "files": self.files, "bytes": self.bytes,
            "distinct_trust_documents": self.distinct_trust_documents,
        }
        if self.perimeter:  # only then: an organisation without it keeps the manifest it always had
            found["perimeter"] = True
        return found


def default_accounts(roles: int, shape: str = "mixed") -> int:
    """Accounts for an organisation of ``roles`` roles of ``shape``.

    Returns:
        About :data:`ROLES_PER_ACCOUNT` roles each (at least :data:`MIN_MEMBERS` accounts) for the
        mixed shape, :data:`DENSE_ROLES_PER_ACCOUNT` each (at least one) for the dense one.
    """
    if shape == "dense":
        return max(1, round(roles / DENSE_ROLES_PER_ACCOUNT))
    return max(MIN_MEMBERS, round(roles / ROLES_PER_ACCOUNT))


def _organization_file(org: Org) -> Json:
    management = org.by_function("management").account_id
    return {
        "Organization": {
            "Id": org.org_id,
            "Arn": f"arn:aws:organizations::{management}:organization/{org.org_id}",
            "FeatureSet": "ALL",
            "MasterAccountArn": f"arn:aws:organizations::{management}:account/{org.org_id}/{management}",
            "MasterAccountId": management,
        },
        "Accounts": [
            {"Id": a.account_id, "Arn": f"arn:aws:organizations::{management}:account/{org.org_id}/{a.account_id}",
             "Email": f"aws+{a.name}@{org.github_org}.example", "Name": a.name, "Status": "ACTIVE",
             "JoinedMethod": "CREATED", "JoinedTimestamp": "2021-03-09T15:21:44.112000+00:00"}
            for a in org.accounts
        ],
    }


def _split(roles: int, accounts: int) -> list[int]:
    base, extra = divmod(roles, accounts)
    return [base + (1 if i < extra else 0) for i in range(accounts)]


def generate(out: Path, roles: int, accounts: int | None = None, seed: int = 7, shape: str = "mixed",
             perimeter: bool = False) -> Manifest:
    """Write a synthetic organisation of ``roles`` roles over ``accounts`` account files into ``out``.

    Args:
        out: the directory (created; files already there with the same names are replaced).
        roles: how many roles in all.
        accounts: how many account files (default: :func:`default_accounts`).
        seed: the random seed; the same arguments write the same bytes.
        shape: ``"mixed"`` or ``"dense"`` (:data:`SHAPES`).
        perimeter: also write ``organization-policies.json`` with AWS's data-perimeter RCPs
            (:mod:`bench.perimeter`).

    Returns:
        The manifest, also written to ``out/org.manifest`` once every file is there.

    Raises:
        ValueError: an unknown shape, or fewer than one account.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: one of {', '.join(SHAPES)}")
    accounts = accounts or default_accounts(roles, shape)
    if accounts < 1:
        raise ValueError("an organisation needs at least one account")
    builder_type, stream = SHAPES[shape]
    out.mkdir(parents=True, exist_ok=True)
    # A manifest only ever describes complete output: an interrupted run leaves none.
    (out / MANIFEST).unlink(missing_ok=True)
    org = build_org(max(accounts, MIN_MEMBERS), seed)
    members = frozenset(a.account_id for a in org.accounts)
    kinds: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    digests: set[bytes] = set()
    admin_roles = total_bytes = 0
    scanned = org.accounts[len(org.accounts) - accounts:]
    for account, count in zip(scanned, _split(roles, accounts), strict=True):
        builder = builder_type(org, account, random.Random(f"{stream}:{seed}:{account.account_id}"))
        document, specs = builder.build(count)
        for spec in specs:
            kinds[spec.kind] += 1
            classes[trust_class(spec.trust, account.account_id, members)] += 1
            admin_roles += bool(ADMIN_ARNS.intersection(spec.managed))
            digests.add(hashlib.blake2b(orjson.dumps(spec.trust, option=orjson.OPT_SORT_KEYS),
                                        digest_size=16).digest())
        payload = orjson.dumps(document, option=orjson.OPT_INDENT_2)
        (out / f"{account.account_id}-{account.name}.json").write_bytes(payload)
        total_bytes += len(payload)
        del document, specs, payload  # one account at a time, whatever the organisation's size
    org_payload = orjson.dumps(_organization_file(org), option=orjson.OPT_INDENT_2)
    (out / ORG_FILE).write_bytes(org_payload)
    files = accounts + 1
    (out / POLICIES_FILE).unlink(missing_ok=True)
    if perimeter:
        policies = orjson.dumps(perimeter_file(org), option=orjson.OPT_INDENT_2)
        (out / POLICIES_FILE).write_bytes(policies)
        total_bytes += len(policies)
        files += 1
    manifest = Manifest(seed, roles, accounts, org.org_id, dict(kinds), files, total_bytes + len(org_payload),
                        len(digests), shape, len(org.accounts), dict(classes), admin_roles, perimeter=perimeter)
    (out / MANIFEST).write_bytes(orjson.dumps(manifest.as_json(), option=orjson.OPT_INDENT_2))
    return manifest


def read_manifest(out: Path) -> Json | None:
    """The manifest of an organisation generated in ``out``, or ``None``."""
    try:
        data: Json = orjson.loads((out / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data


def ensure(out: Path, roles: int, accounts: int | None = None, seed: int = 7, shape: str = "mixed",
           perimeter: bool = False) -> Json:
    """Generate into ``out`` unless an organisation with the same arguments is already there."""
    accounts = accounts or default_accounts(roles, shape)
    found = read_manifest(out)
    wanted = (GENERATOR_VERSION, shape, seed, roles, accounts, perimeter)
    if found and (found.get("version"), found.get("shape", "mixed"), found.get("seed"), found.get("roles"),
                  found.get("accounts"), found.get("perimeter", False)) == wanted:
        return found
    if out.exists():
        for stale in out.glob("*.json"):
            stale.unlink()
    return generate(out, roles, accounts, seed, shape, perimeter).as_json()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--roles", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, help="account files (default: 250 roles each, or 1,000 if dense)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="mixed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--perimeter", action="store_true",
                        help="also write organization-policies.json: AWS's data-perimeter RCPs at the root")
    args = parser.parse_args(argv)
    try:
        manifest = generate(args.out, args.roles, args.accounts, args.seed, args.shape, args.perimeter)
    except (ValueError, OSError) as error:
        parser.exit(2, f"generate: {error}\n")
    print(orjson.dumps(manifest.as_json(), option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
