"""A stand-in for AWS on loopback: moto's server, and a fault-injecting proxy in front of it.

moto speaks real HTTP with SigV4, but it does not paginate GetAccountAuthorizationDetails, is never
far away and never throttles. :class:`FaultProxy` sits between rolescope and moto and adds what AWS
does: it splits GAAD into pages (``IsTruncated``/``Marker``) and makes ListRoles pages smaller,
answers with AWS error documents a given number of times (``Throttling``, ``AccessDenied``) or a
given share of the time, holds each request for a round-trip latency, and records every request it
forwards (action, parameters, and the account of the credentials that signed it), so tests can
assert what rolescope sent. The live tests (``tests/live``) and the live benchmark (``bench/live.py``)
both use it. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

LOOPBACK = "127.0.0.1"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
# The access key id and the service of a SigV4 credential scope: KEY/DATE/REGION/SERVICE/aws4_request.
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/(?:\d{8}/[^/]+/([^/]+)/)?")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` on a free loopback port.

    Args:
        log: where the server's output goes.
        managed_policies: load the AWS managed policies into every account (what AWS has; about two
            seconds for each new account).
    """

    def __init__(self, log: Path, managed_policies: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "MOTO_ACCOUNT_ID"}
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true" if managed_policies else "false"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        self._wait()

    def _wait(self) -> None:
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


class MotoServers:
    """The suite's moto servers (``python -m moto.server`` on loopback), one per configuration, started on
    first use and stopped at the end of the session.

    moto loads AWS's managed policies into every account when told to at start-up (the live tests
    attach AdministratorAccess; about two seconds a new account); the remediation tests reset the
    server before each test and would pay that every time, so they ask for a server without them.
    """

    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._servers: dict[bool, MotoServer] = {}

    def get(self, *, managed_policies: bool) -> MotoServer:
        if managed_policies not in self._servers:
            name = "managed" if managed_policies else "plain"
            self._servers[managed_policies] = MotoServer(self._logs / f"moto-{name}.log", managed_policies)
        return self._servers[managed_policies]

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()


@dataclass(frozen=True)
class Seen:
    """One request the proxy forwarded (or answered itself)."""

    action: str
    params: dict[str, str]  # as rolescope sent them
    access_key: str | None
    account: str | None
    status: int
    throttled: bool = False  # answered ``Throttling`` by :meth:`FaultProxy.throttle`


@dataclass
class Fault:
    """Answer ``times`` matching requests with an AWS error instead of forwarding them."""

    action: str
    code: str
    message: str
    times: int
    status: int = 400
    when: Callable[[dict[str, str], str | None], bool] = lambda params, account: True
    hits: int = 0


@dataclass
class Throttle:
    """Answer ``Throttling`` to a share ``rate`` of the requests to ``services``, drawn from ``seed``."""

    rate: float
    services: frozenset[str]
    draw: random.Random

    def hits(self, service: str | None) -> bool:
        """Whether this request (to ``service``) is throttled; call under the proxy's lock."""
        return service in self.services and self.draw.random() < self.rate


@dataclass
class ProxyState:
    seen: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    gaad_page_size: int | None = None
    roles_page_size: int | None = None
    throttle: Throttle | None = None
    keys: dict[str, str] = field(default_factory=dict)  # access key id -> account


def _action(headers: Any, body: bytes) -> tuple[str, dict[str, str]]:
    target = headers.get("X-Amz-Target")
    if target:  # JSON protocols (Organizations)
        try:
            params = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in json.loads(body or b"{}").items()}
        except ValueError:
            params = {}
        return target.rsplit(".", 1)[-1], params
    params = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    return params.get("Action", ""), params


def _with_max_items(body: bytes, size: int) -> bytes:
    """A query-protocol request body asking for ``size`` items a page (moto pages ListRoles by ``MaxItems``;
    moto checks no signature, so the body may change)."""
    params = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    params["MaxItems"] = [str(size)]
    return urlencode(params, doseq=True).encode()


def _error_document(code: str, message: str) -> bytes:
    return (f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>").encode()


def paginate_gaad(body: bytes, marker: str | None, size: int) -> bytes:
    """One page of a GAAD response: roles then policies, ``size`` items a page, ``Marker`` = next index."""
    ET.register_namespace("", IAM_NS)
    root = ET.fromstring(body)
    result = root.find(f"{{{IAM_NS}}}GetAccountAuthorizationDetailsResult")
    assert result is not None
    lists = [result.find(f"{{{IAM_NS}}}{name}") for name in ("RoleDetailList", "Policies")]
    items = [(parent, member) for parent in lists if parent is not None for member in list(parent)]
    start = int(marker) if marker else 0
    keep = {id(member) for _, member in items[start:start + size]}
    for parent, member in items:
        if id(member) not in keep:
            parent.remove(member)
    truncated = result.find(f"{{{IAM_NS}}}IsTruncated")
    assert truncated is not None
    more = start + size < len(items)
    truncated.text = "true" if more else "false"
    if more:
        ET.SubElement(result, f"{{{IAM_NS}}}Marker").text = str(start + size)
    return bytes(ET.tostring(root, xml_declaration=True, encoding="utf-8"))


def complete_gaad(body: bytes) -> bytes:
    """Make moto's GAAD answer look like AWS's: every policy document URL-encoded (moto sends trust
    policies as plain JSON), and the ``PolicyName`` of each policy (moto 5 omits it)."""
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


def _learn_keys(state: ProxyState, body: bytes) -> None:
    """Remember which account AssumeRole's credentials belong to (moto puts them in the role's account)."""
    text = body.decode("utf-8", "replace")
    key = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", text)
    arn = re.search(r"<Arn>arn:[^:]+:sts::(\d{12}):assumed-role/[^<]*</Arn>", text)
    if key and arn:
        state.keys[key.group(1)] = arn.group(1)


class FaultProxy:
    """A threading HTTP proxy on loopback in front of ``upstream`` (moto's port)."""

    def __init__(self, upstream_port: int, latency: float = 0.0) -> None:
        self.state = ProxyState()
        self.lock = threading.Lock()
        self.latency = latency  # seconds every request is held, as a distant endpoint would
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The reply goes out in two writes (headers, then body): with Nagle's algorithm on, the body
            # waits for the client's delayed ACK of the headers, ~40 ms a request on a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward(b"")

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _forward(self, body: bytes) -> None:
                if proxy.latency:
                    time.sleep(proxy.latency)
                action, params = _action(self.headers, body)
                match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
                access_key, service = (match.group(1), match.group(2)) if match else (None, None)
                with proxy.lock:
                    state = proxy.state
                    account = state.keys.get(access_key or "")
                    fault = next((f for f in state.faults if f.action == action and f.hits < f.times
                                  and f.when(params, account)), None)
                    throttled = fault is None and state.throttle is not None and state.throttle.hits(service)
                    if fault is not None:
                        fault.hits += 1
                    elif throttled:
                        fault = Fault(action, "Throttling", "Rate exceeded", times=1)
                    page_size, roles_page_size = state.gaad_page_size, state.roles_page_size
                if fault is not None:
                    if self.headers.get("X-Amz-Target"):  # JSON protocols answer errors in JSON
                        document = json.dumps({"__type": fault.code, "message": fault.message}).encode()
                        self._reply(fault.status, document, "application/x-amz-json-1.1")
                    else:
                        self._reply(fault.status, _error_document(fault.code, fault.message), "text/xml")
                    proxy._record(Seen(action, params, access_key, account, fault.status, throttled))
                    return
                sent = _with_max_items(body, roles_page_size) if action == "ListRoles" and roles_page_size else body
                connection = http.client.HTTPConnection(LOOPBACK, upstream_port, timeout=120)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                connection.request(self.command, self.path, body=sent, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                content_type = response.getheader("Content-Type") or "text/xml"
                connection.close()
                if action == "AssumeRole" and response.status == 200:
                    with proxy.lock:
                        _learn_keys(proxy.state, payload)
                if action == "GetAccountAuthorizationDetails" and response.status == 200:
                    payload = complete_gaad(payload)
                    if page_size:
                        payload = paginate_gaad(payload, params.get("Marker"), page_size)
                proxy._record(Seen(action, params, access_key, account, response.status))
                self._reply(response.status, payload, content_type)

            def _reply(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _record(self, seen: Seen) -> None:
        with self.lock:
            self.state.seen.append(seen)

    def reset(self, keys: dict[str, str]) -> None:
        with self.lock:
            self.state = ProxyState(keys=dict(keys))

    def fail(self, fault: Fault) -> Fault:
        with self.lock:
            self.state.faults.append(fault)
        return fault

    def paginate(self, size: int) -> None:
        """GAAD in pages of ``size`` items (moto sends one page whatever ``MaxItems`` asks)."""
        with self.lock:
            self.state.gaad_page_size = size

    def page_roles(self, size: int) -> None:
        """ListRoles in pages of ``size`` roles, whatever ``MaxItems`` rolescope sends."""
        with self.lock:
            self.state.roles_page_size = size

    def throttle(self, rate: float, services: tuple[str, ...] = ("iam", "sts"), seed: int = 0) -> None:
        """Answer ``Throttling`` to a share ``rate`` (0 to 1) of the requests signed for ``services``."""
        with self.lock:
            self.state.throttle = Throttle(rate, frozenset(services), random.Random(seed))

    def requests(self, action: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.state.seen if action is None or s.action == action]

    def calls_by_account(self) -> dict[str, int]:
        """Requests per account they were made for: AssumeRole counts for the role's account."""
        counts: dict[str, int] = {}
        for seen in self.requests():
            account = seen.account
            if seen.action == "AssumeRole":
                account = seen.params["RoleArn"].split(":")[4]
            if account is not None:
                counts[account] = counts.get(account, 0) + 1
        return counts

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
