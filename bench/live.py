"""The live-collection benchmark: ``rolescope scan`` against moto's server behind a delaying proxy.

An organisation is built in moto (``python -m moto.server`` on loopback): a management account
with an auditor user, and member accounts created through Organizations, each holding the roles of
one account of a generated organisation (:mod:`bench.generate`, account ids mapped to moto's). A
small proxy on 127.0.0.1 sits in front of moto and holds every request for the injected round-trip
latency (50 ms by default) before forwarding it, as a distant AWS endpoint would; it also counts
requests per account (from the credentials that signed them).

rolescope then runs as a user runs it, a subprocess with ``AWS_ENDPOINT_URL`` on the proxy:
``rolescope scan -p base --accounts ID,... --role-name OrganizationAccountAccessRole --workers W``
for each count of accounts and each worker count, and once per worker count with ``--organization``
over the whole organisation. Reported: wall time, API calls per account (from the scan document's
``api_calls``, checked against the proxy's count) against the expected ``2 + GAAD pages + GetRole
per cross-account role``, and the speed-up over one worker.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import generate
from bench.accounts import build_org

LOOPBACK = "127.0.0.1"
MANAGEMENT = "210000000001"
REGION = "us-east-1"
ROLE_NAME = "OrganizationAccountAccessRole"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` on a free loopback port."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MOTO_ACCOUNT_ID"}
        self._log = log.open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port)],
                                        stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("moto server exited")
            try:
                connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=1)
                connection.request("GET", "/moto-api/")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start in 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


class DelayProxy:
    """Holds each request ``latency`` seconds, then forwards it to moto; counts requests per account."""

    def __init__(self, upstream_port: int, latency: float) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.keys: dict[str, str] = {}  # access key id -> account
        self.calls: Counter[str] = Counter()  # account -> requests
        self.actions: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _forward(self, body: bytes) -> None:
                time.sleep(proxy.latency)
                action = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                if not action:
                    found = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
                    action = found.group(1).decode() if found else ""
                match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
                connection = http.client.HTTPConnection(LOOPBACK, upstream_port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                content_type = response.getheader("Content-Type") or "text/xml"
                connection.close()
                if action == "GetAccountAuthorizationDetails" and response.status == 200:
                    payload = as_aws_gaad(payload)
                with proxy.lock:
                    account = proxy.keys.get(match.group(1) if match else "")
                    if action == "AssumeRole":
                        role = re.search(rb"RoleArn=arn%3A[^%]+%3Aiam%3A%3A(\d{12})", body)
                        account = role.group(1).decode() if role else account
                        key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", payload)
                        if key and account:
                            proxy.keys[key.group(1).decode()] = account
                    proxy.calls[account or "-"] += 1
                    proxy.actions[action] += 1
                self.send_response(response.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.actions.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def as_aws_gaad(body: bytes) -> bytes:
    """moto's GAAD answer as AWS gives it: policy documents URL-encoded, each policy's ``PolicyName``."""
    ET.register_namespace("", IAM_NS)
    root = ET.fromstring(body)
    for name in ("AssumeRolePolicyDocument", "PolicyDocument", "Document"):
        for document in root.iter(f"{{{IAM_NS}}}{name}"):
            if document.text and not document.text.startswith("%"):
                document.text = quote(document.text, safe="")
    for member in root.iter(f"{{{IAM_NS}}}member"):
        arn = member.find(f"{{{IAM_NS}}}Arn")
        if (arn is not None and arn.text and ":policy/" in arn.text
                and member.find(f"{{{IAM_NS}}}PolicyName") is None):
            ET.SubElement(member, f"{{{IAM_NS}}}PolicyName").text = arn.text.rsplit("/", 1)[-1]
    return bytes(ET.tostring(root, xml_declaration=True, encoding="utf-8"))


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


def run_scan(proxy: DelayProxy, org: dict[str, Any], home: Path, workers: int, accounts: list[str] | None
             ) -> dict[str, Any]:
    """One ``rolescope scan`` through the proxy; its wall time and API calls per account."""
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "config").write_text("")
    (aws / "credentials").write_text(f"[base]\naws_access_key_id = {org['auditor'][0]}\n"
                                     f"aws_secret_access_key = {org['auditor'][1]}\n")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "AWS_CONFIG_FILE": str(aws / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"), "AWS_ENDPOINT_URL": proxy.url,
           "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": LOOPBACK}
    report = home / "report.json"
    which = ["--organization"] if accounts is None else ["--accounts", ",".join(accounts)]
    command = [sys.executable, "-m", "rolescope", "scan", "-p", "base", *which, "--role-name", ROLE_NAME,
               "--workers", str(workers), "--format", "json", "--output", str(report)]
    proxy.reset()
    start = time.perf_counter()
    process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    wall = time.perf_counter() - start
    if process.returncode not in (0, 1) or not report.exists():
        raise RuntimeError(f"rolescope scan exited {process.returncode}: {process.stderr[-2000:]}")
    document = json.loads(report.read_text())
    rows = []
    for account in document["accounts"]:
        roles = account.get("roles") or []
        cross = sum(1 for r in roles if r.get("cross_account"))
        rows.append({"account": account["account_id"], "status": account["status"], "roles": len(roles),
                     "cross_account_roles": cross, "api_calls": account.get("api_calls"),
                     "proxy_calls": proxy.calls.get(account["account_id"], 0), "expected": 2 + 1 + cross})
    return {"workers": workers, "accounts": len(rows), "organization": accounts is None, "wall": wall,
            "rows": rows, "actions": dict(proxy.actions), "total_requests": sum(proxy.calls.values())}


def live(account_counts: list[int], workers: list[int], latency_ms: float, seed: int,
         roles_per_account: int = 30, repeat: int = 1) -> dict[str, Any]:
    """Build the organisation (the largest count), then time each scan. Returns the measurements."""
    largest = max(account_counts)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        server = MotoServer(scratch / "moto.log")
        proxy = DelayProxy(server.port, latency_ms / 1000)
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
            for count in account_counts:
                for worker_count in workers:
                    walls = []
                    for _ in range(repeat):
                        run = run_scan(proxy, org, scratch / f"home-{count}-{worker_count}", worker_count,
                                       org["members"][:count])
                        walls.append(run["wall"])
                    run["wall"] = min(walls)
                    run["wall_median"] = statistics.median(walls)
                    runs.append(run)
                    print(f"[live] {count:>4} accounts, --workers {worker_count:>2}: {run['wall']:.1f} s", flush=True)
            for worker_count in workers:
                run = run_scan(proxy, org, scratch / f"home-org-{worker_count}", worker_count, None)
                runs.append(run)
                print(f"[live] --organization ({run['accounts']} accounts), --workers {worker_count:>2}: "
                      f"{run['wall']:.1f} s", flush=True)
        finally:
            proxy.stop()
            server.stop()
    return {"latency_ms": latency_ms, "roles_per_account": roles_per_account, "org_roles": org["roles"],
            "runs": runs}


def render_live(results: dict[str, Any]) -> list[str]:
    """The live measurements as Markdown."""
    runs = results["runs"]
    lines = [f"Live collection: moto server behind a proxy adding {results['latency_ms']:.0f} ms per request; "
             f"{results['roles_per_account']} generated roles per account ({results['org_roles']} created).", "",
             "| accounts | --workers | wall (s) | speed-up vs 1 worker | accounts/s | API calls per account "
             "(mean; min–max) | expected 2 + pages + GetRole (mean) | accounts over expected |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    base = {(r["accounts"], r["organization"]): r["wall"] for r in runs if r["workers"] == min(x["workers"]
                                                                                              for x in runs)}
    for run in runs:
        calls = [row["api_calls"] or 0 for row in run["rows"] if row["status"] == "scanned"]
        expected = [row["expected"] for row in run["rows"] if row["status"] == "scanned"]
        over = sum(1 for row in run["rows"] if (row["api_calls"] or 0) > row["expected"])
        label = f"{run['accounts']} (--organization)" if run["organization"] else str(run["accounts"])
        speed = base.get((run["accounts"], run["organization"]), run["wall"]) / run["wall"]
        lines.append(f"| {label} | {run['workers']} | {run['wall']:.1f} | {speed:.1f}× | "
                     f"{run['accounts'] / run['wall']:.1f} | {statistics.mean(calls):.1f}; {min(calls)}–{max(calls)} "
                     f"| {statistics.mean(expected):.1f} | {over} |")
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
