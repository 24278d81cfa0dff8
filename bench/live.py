"""The live-collection benchmark: ``rolescope scan`` against moto's server behind a delaying, throttling proxy.

An organisation is built in moto (``python -m moto.server`` on loopback): a management account
with an auditor user, and member accounts created through Organizations, each holding the roles of
one account of a generated organisation (:mod:`bench.generate`, account ids mapped to moto's). The
live tests' proxy (:class:`tests.live.fakeaws.FaultProxy`) sits in front of moto on 127.0.0.1: it
holds every request for the round-trip latency (50 ms by default), as a distant AWS endpoint would,
answers ``Throttling`` to a share of the IAM and STS requests when asked (``--throttle``), and
records every request with the account of the credentials that signed it.

rolescope then runs as a user runs it, a subprocess with ``AWS_ENDPOINT_URL`` on the proxy:
``rolescope scan -p base --accounts ID,... --role-name OrganizationAccountAccessRole --workers W``
for each count of accounts and each worker count, and once per worker count with ``--organization``
over the whole organisation. Reported: wall time, API calls per account before retries (the scan
document's ``api_calls``) against the expected ``AssumeRole + ListAccountAliases + GAAD pages +
ListRoles pages`` (pages as the proxy saw IAM answer them), requests per account with retries (the
proxy's count; the management account's include the run's own GetCallerIdentity and Organizations
calls), and the speed-up over the fewest workers.

The issue 10 shape, an organisation of 60 members (61 accounts) of 20 roles, 50 ms away, 10 % of
IAM/STS requests throttled::

    python bench/run.py --no-offline --live-accounts 60 --live-roles 20 --throttle 0.1 --workers 8

``PYTHONPATH`` reaches the scans, so another commit's rolescope can be measured on the same proxy::

    git archive COMMIT src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src python bench/run.py --no-offline ... --tag before
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.live.fakeaws import LOOPBACK, FaultProxy, MotoServer

from bench import generate
from bench.accounts import build_org

MANAGEMENT = "210000000001"
REGION = "us-east-1"
ROLE_NAME = "OrganizationAccountAccessRole"
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")


def _client(service: str, url: str, keys: tuple[str, ...]) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], aws_session_token=keys[2] if len(keys) > 2 else None)


def _assume(url: str, keys: tuple[str, ...], account: str) -> tuple[str, str, str]:
    issued = _client("sts", url, keys).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE_NAME}",
                                                   RoleSessionName="bench-setup")["Credentials"]
    return issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]


def _create_roles(iam: Any, roles: list[dict[str, Any]], policies: list[dict[str, Any]]) -> int:
    """Create the generated roles (and the customer-managed policies they attach) in one account."""
    created = 0
    arns = {}
    for policy in policies:
        document = next((v["Document"] for v in policy["PolicyVersionList"] if v["IsDefaultVersion"]), None)
        try:
            made = iam.create_policy(PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
            arns[policy["Arn"]] = made["Policy"]["Arn"]
        except Exception:  # moto rejects a few shapes; the benchmark needs most, not all
            continue
    for role in roles:
        try:
            iam.create_role(RoleName=role["RoleName"], Path=role["Path"],
                            AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
                            Tags=role.get("Tags") or [])
        except Exception:  # as above
            continue
        created += 1
        for inline in role["RolePolicyList"]:
            iam.put_role_policy(RoleName=role["RoleName"], PolicyName=inline["PolicyName"],
                                PolicyDocument=json.dumps(inline["PolicyDocument"]))
        for attached in role["AttachedManagedPolicies"]:
            if attached["PolicyArn"] in arns:
                iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=arns[attached["PolicyArn"]])
    return created


def build_organization(url: str, accounts: int, roles_per_account: int, seed: int) -> dict[str, Any]:
    """An organisation of ``accounts`` accounts in moto, filled from a generated organisation."""
    bootstrap = _client("sts", url, ("AKIABOOTSTRAP0000000", "bootstrap"))
    issued = bootstrap.assume_role(RoleArn=f"arn:aws:iam::{MANAGEMENT}:role/bootstrap",
                                   RoleSessionName="bootstrap")["Credentials"]
    admin = (issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    iam = _client("iam", url, admin)
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    auditor = (key["AccessKeyId"], key["SecretAccessKey"])
    organizations = _client("organizations", url, auditor)
    org_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    members = [organizations.create_account(Email=f"a{i}@bench.example", AccountName=f"bench-{i}")
               ["CreateAccountStatus"]["AccountId"] for i in range(accounts - 1)]
    ids = [MANAGEMENT, *members]
    sized = max(accounts, generate.default_accounts(0))  # the generator's smallest organisation
    with tempfile.TemporaryDirectory() as scratch:
        generate.generate(Path(scratch), roles=sized * roles_per_account, accounts=sized, seed=seed)
        files = sorted(p for p in Path(scratch).glob("*.json") if p.name != generate.ORG_FILE)
        documents = [json.loads(p.read_text()) for p in files]
    generated = [_ACCOUNT.search(p.name).group(0) for p in files]  # type: ignore[union-attr]
    order = build_org(sized, seed).accounts[:accounts]  # management first, as ids are
    mapping = {a.account_id: ids[i] for i, a in enumerate(order)}
    roles = 0
    for path_account, document in zip(generated, documents, strict=True):
        if path_account not in mapping:
            continue
        text = _ACCOUNT.sub(lambda m: mapping.get(m.group(0), m.group(0)), json.dumps(document))
        document = json.loads(text)
        account = mapping[path_account]
        keys = admin if account == MANAGEMENT else _assume(url, auditor, account)
        roles += _create_roles(_client("iam", url, keys), document["RoleDetailList"], document["Policies"])
    return {"org_id": org_id, "management": MANAGEMENT, "members": members, "auditor": auditor, "roles": roles}


def run_scan(proxy: FaultProxy, org: dict[str, Any], home: Path, workers: int, accounts: list[str] | None,
             throttle: float = 0.0, seed: int = 0) -> dict[str, Any]:
    """One ``rolescope scan`` through the proxy; its wall time, and calls and requests per account.

    Args:
        throttle: the share of IAM and STS requests the proxy answers ``Throttling`` (retries included).
        seed: which requests those are.
    """
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "config").write_text("")
    (aws / "credentials").write_text(f"[base]\naws_access_key_id = {org['auditor'][0]}\n"
                                     f"aws_secret_access_key = {org['auditor'][1]}\n")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_CONFIG_FILE": str(aws / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"), "AWS_ENDPOINT_URL": proxy.url,
           "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": LOOPBACK}
    if "PYTHONPATH" in os.environ:  # another rolescope (an older commit's src/) to compare with
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    report = home / "report.json"
    which = ["--organization"] if accounts is None else ["--accounts", ",".join(accounts)]
    command = [sys.executable, "-m", "rolescope", "scan", "-p", "base", *which, "--role-name", ROLE_NAME,
               "--workers", str(workers), "--format", "json", "--output", str(report)]
    proxy.reset({org["auditor"][0]: MANAGEMENT})
    if throttle:
        proxy.throttle(throttle, seed=seed)
    start = time.perf_counter()
    process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    wall = time.perf_counter() - start
    if process.returncode not in (0, 1) or not report.exists():
        raise RuntimeError(f"rolescope scan exited {process.returncode}: {process.stderr[-2000:]}")
    document = json.loads(report.read_text())
    seen = proxy.requests()
    requests = proxy.calls_by_account()
    throttled = Counter(s.account or "" for s in seen if s.throttled and s.action != "AssumeRole")
    throttled.update(s.params["RoleArn"].split(":")[4] for s in seen if s.throttled and s.action == "AssumeRole")
    # Pages are the requests IAM answered: whatever else rolescope asks for an account is over the expected.
    pages = Counter((s.account, s.action) for s in seen if s.status == 200)
    rows = []
    for account in document["accounts"]:
        number = account["account_id"]
        assumed = number != MANAGEMENT  # the account rolescope runs from is read with its own keys
        expected = (int(assumed) + pages[number, "ListAccountAliases"] + pages[number, "GetAccountAuthorizationDetails"]
                    + pages[number, "ListRoles"])
        rows.append({"account": number, "status": account["status"], "roles": len(account.get("roles") or []),
                     "api_calls": account.get("api_calls"), "requests": requests.get(number, 0),
                     "throttled": throttled.get(number, 0), "expected": expected})
    return {"workers": workers, "accounts": len(rows), "organization": accounts is None, "wall": wall,
            "rows": rows, "actions": dict(Counter(s.action for s in seen)), "total_requests": len(seen),
            "throttled_requests": sum(1 for s in seen if s.throttled)}


def live(account_counts: list[int], workers: list[int], latency_ms: float, seed: int,
         roles_per_account: int = 30, repeat: int = 1, throttle: float = 0.0) -> dict[str, Any]:
    """Build the organisation (the largest count), then time each scan. Returns the measurements.

    Args:
        account_counts: member accounts scanned with ``--accounts`` (the organisation has the largest
            count plus the management account, which the ``--organization`` runs add).
        workers: the ``--workers`` values to run each count with.
        latency_ms: added to every request.
        seed: the generated organisation's, and which requests are throttled.
        roles_per_account: generated roles in each account.
        repeat: runs of each scan (the fastest is reported, and the median).
        throttle: the share of IAM and STS requests answered ``Throttling``.
    """
    largest = max(account_counts)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        server = MotoServer(scratch / "moto.log", managed_policies=False)  # no account here attaches one
        proxy = FaultProxy(server.port, latency_ms / 1000)
        try:
            started = time.perf_counter()
            saved = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("AWS_")]}
            try:
                org = build_organization(server.url, largest + 1, roles_per_account, seed)
            finally:
                os.environ.update(saved)
            print(f"[live] moto organisation: {largest + 1} accounts, {org['roles']} roles "
                  f"({time.perf_counter() - started:.0f} s to build)", flush=True)
            runs = []
            scans: list[tuple[str, int | None]] = [(f"{c:>4} accounts", c) for c in account_counts]
            scans.append(("--organization", None))
            for label, count in scans:
                for worker_count in workers:
                    walls = []
                    for attempt in range(repeat):
                        run = run_scan(proxy, org, scratch / f"home-{count}-{worker_count}-{attempt}", worker_count,
                                       None if count is None else org["members"][:count], throttle, seed + attempt)
                        walls.append(run["wall"])
                    run["wall"] = min(walls)
                    run["wall_median"] = statistics.median(walls)
                    runs.append(run)
                    print(f"[live] {label} ({run['accounts']} scanned), --workers {worker_count:>2}: "
                          f"{run['wall']:.1f} s (median {run['wall_median']:.1f} s), "
                          f"{run['throttled_requests']} requests throttled", flush=True)
        finally:
            proxy.stop()
            server.stop()
    return {"latency_ms": latency_ms, "throttle": throttle, "roles_per_account": roles_per_account,
            "org_roles": org["roles"], "repeat": repeat, "runs": runs}


def render_live(results: dict[str, Any]) -> list[str]:
    """The live measurements as Markdown."""
    runs = results["runs"]
    throttle = results.get("throttle") or 0.0
    lines = [f"Live collection: moto server behind a proxy adding {results['latency_ms']:.0f} ms per request"
             f"{f' and throttling {throttle:.0%} of IAM and STS requests' if throttle else ''}; "
             f"{results['roles_per_account']} generated roles per account ({results['org_roles']} created); "
             f"fastest of {results.get('repeat', 1)}.", "",
             "| accounts | --workers | wall (s) | speed-up vs fewest workers | accounts/s | API calls per account "
             "(mean; min–max) | expected 2 + GAAD pages + ListRoles pages (mean) | accounts over expected "
             "| requests per account with retries (mean) | throttled |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base = {(r["accounts"], r["organization"]): r["wall"] for r in runs if r["workers"] == min(x["workers"]
                                                                                              for x in runs)}
    for run in runs:
        scanned = [row for row in run["rows"] if row["status"] == "scanned"]
        calls = [row["api_calls"] or 0 for row in scanned]
        over = sum(1 for row in scanned if (row["api_calls"] or 0) > row["expected"])
        label = f"{run['accounts']} (--organization)" if run["organization"] else str(run["accounts"])
        speed = base.get((run["accounts"], run["organization"]), run["wall"]) / run["wall"]
        lines.append(f"| {label} | {run['workers']} | {run['wall']:.1f} | {speed:.1f}× | "
                     f"{run['accounts'] / run['wall']:.1f} | {statistics.mean(calls):.1f}; {min(calls)}–{max(calls)} "
                     f"| {statistics.mean(row['expected'] for row in scanned):.1f} | {over} "
                     f"| {statistics.mean(row['requests'] for row in scanned):.1f} "
                     f"| {run.get('throttled_requests', 0)} |")
    lines.append("")
    return lines


def plot_live(results: dict[str, Any], path: Path, plt: Any) -> list[Path]:
    """Wall time against accounts, one line per worker count."""
    runs = [r for r in results["runs"] if not r["organization"]]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for workers in sorted({r["workers"] for r in runs}):
        points = sorted((r["accounts"], r["wall"]) for r in runs if r["workers"] == workers)
        axis.plot([p[0] for p in points], [p[1] for p in points], "o-", label=f"--workers {workers}")
    axis.set_xlabel("accounts")
    axis.set_ylabel("seconds (wall)")
    axis.set_title(f"Live scan time vs accounts ({results['latency_ms']:.0f} ms per request)")
    axis.grid(True, alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]
