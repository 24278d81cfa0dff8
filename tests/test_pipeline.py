"""The pipeline: one account at a time, the streamed document equal to the one built whole, sinks that abort."""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import json
import pickle
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, organization, role, trust

from rolescope import atomic_write
from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.inventory.model import Role
from rolescope.pipeline import (
    ACCOUNTS_PHASE,
    GRAPH_PHASE,
    REPORTS_PHASE,
    ScanInputError,
    ScanSettings,
    scan_account,
    scan_files,
)
from rolescope.report import writer
from rolescope.report.compliance import compliance_reports
from rolescope.report.document import DocumentHeader, build_document
from rolescope.report.entries import settings_in_force
from rolescope.report.model import AccountEntry, FindingEntry, RoleEntry, ScanDocument
from rolescope.report.reader import read_document
from rolescope.report.sinks import JsonSink, Output, file_output
from rolescope.report.suppressions import parse_suppressions
from rolescope.scanner import TrustCache, scan_snapshots
from rolescope.userfiles import UnwritableFile

ACCOUNTS, ROLES = 8, 30
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def account_id(index: int) -> str:
    return f"{100000000000 + index:012d}"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight accounts of thirty roles: a third trust an outside account, a few anyone, the rest a service."""
    directory = tmp_path_factory.mktemp("org")
    for index in range(ACCOUNTS):
        account = account_id(index)
        roles = []
        for number in range(ROLES):
            if number % 3 == 0:
                policy = trust(allow({"AWS": OUTSIDER}))
            elif number % 10 == 1:
                policy = trust(allow("*"))
            else:
                policy = trust(allow({"Service": "lambda.amazonaws.com"}))
            roles.append(role(f"role-{number}", policy, account))
        (directory / f"{account}.json").write_text(json.dumps(gaad(*roles)))
    (directory / "zz-broken.json").write_text("{ not json")  # sorts last: a failed account, in place
    (directory / "organization.json").write_text(json.dumps(organization(*(account_id(i) for i in range(ACCOUNTS)),
                                                                         management=account_id(0))))
    return directory


def settings(**changes: Any) -> ScanSettings:
    return ScanSettings(CheckSettings(now=NOW), **changes)


def live_objects() -> list[Any]:
    """Every object the collector tracks, those an earlier ``gc.freeze`` hid included."""
    gc.unfreeze()
    return gc.get_objects()


def roles_held() -> tuple[int, int]:
    """How many roles the process holds: loaded (Role) and typed (RoleEntry)."""
    objects = live_objects()
    return sum(1 for o in objects if type(o) is Role), sum(1 for o in objects if type(o) is RoleEntry)


class CountingSink:
    """Counts, each time an account arrives, the roles held beyond those held when the scan began."""

    name = "counting"

    def __init__(self) -> None:
        self.loaded: list[int] = []
        self.typed: list[int] = []
        self.accounts = 0
        self._before = (0, 0)

    def begin(self, header: DocumentHeader) -> None:
        del header
        self._before = roles_held()  # other tests' fixtures may hold some

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        del entry, encoded, findings, finding_json
        self.accounts += 1
        loaded, typed = roles_held()
        self.loaded.append(loaded - self._before[0])
        self.typed.append(typed - self._before[1])

    def before_graph(self, document: ScanDocument) -> None:
        del document

    def finish(self, document: ScanDocument) -> None:
        del document

    def commit(self) -> None:
        """Nothing to make final."""

    def abort(self) -> None:
        """Nothing to undo."""


def test_a_scan_holds_one_account_at_a_time(org: Path, tmp_path: Path) -> None:
    counting = CountingSink()
    run = scan_files([org], settings(graph=False), sinks=[counting, JsonSink(file_output(tmp_path / "scan.json"))])
    assert counting.accounts == ACCOUNTS + 1  # and the broken file
    assert len(run.document.accounts) == ACCOUNTS + 1 and run.document.summary.roles == ACCOUNTS * ROLES
    # never more than one account's roles loaded, though the scan read eight accounts of thirty
    assert max(counting.loaded) <= ROLES
    # (the count does see roles: loading the organisation whole, as scans did before, holds them all)
    before = roles_held()[0]
    snapshots, _, _ = load_snapshots([org])
    assert roles_held()[0] - before == ACCOUNTS * ROLES
    del snapshots
    # the typed document keeps only the roles with findings (a third and the public ones), not every role
    with_findings = {f.resource for f in run.document.findings}
    assert max(counting.typed) <= len(with_findings) < ACCOUNTS * ROLES // 2
    assert {r.arn for a in run.document.accounts for r in a.roles} == with_findings
    # while the JSON document holds every role
    written = json.loads((tmp_path / "scan.json").read_text())
    assert sum(len(a["roles"]) for a in written["accounts"]) == ACCOUNTS * ROLES


def test_the_streamed_document_is_the_document_built_whole(org: Path, tmp_path: Path) -> None:
    rules = parse_suppressions(f"suppressions:\n  - {{account: \"{account_id(1)}\", reason: accepted}}\n", "s.yaml",
                               NOW.date())
    target = tmp_path / "scan.json"
    run = scan_files([org], settings(suppressions=rules), sinks=[JsonSink(file_output(target))], clock=lambda: NOW)
    streamed = json.loads(target.read_bytes())
    snapshots, failures, organizations = load_snapshots([org])
    organization_found = merge_organizations(organizations)
    checks = CheckSettings(organization=organization_found, now=NOW)
    result = scan_snapshots(snapshots, checks)
    result.findings = rules.apply(result.findings)
    result.generated_at = NOW
    built = build_document(result, suppressions=rules, settings=settings_in_force(checks))
    [failure] = failures
    built["accounts"].append({"account_id": "unknown", "alias": None, "status": "failed", "error": failure.error,
                              "source": failure.source, "trusts": [], "roles": []})
    built["summary"]["accounts"] += 1
    built["summary"]["failed_accounts"] += 1
    assert streamed == built
    assert streamed["summary"]["suppressed"] == sum(1 for f in run.document.findings if f.suppressed) > 0
    assert run.load_failures == (failure,)


@pytest.mark.parametrize("jobs", [1, 2])
def test_findings_encoded_where_found_write_the_same_report(org: Path, tmp_path: Path, jobs: int) -> None:
    """The JSON report's findings encoded by the process that found them (evidence then left out of
    the typed document, which no JSON, CSV or console report reads) are the bytes the writer makes."""
    rules = parse_suppressions(f"suppressions:\n  - {{account: \"{account_id(1)}\", reason: accepted}}\n", "s.yaml",
                               NOW.date())
    plain, encoded = tmp_path / "plain.json", tmp_path / "encoded.json"
    scan_files([org], settings(suppressions=rules), sinks=[JsonSink(file_output(plain))], clock=lambda: NOW)
    run = scan_files([org], settings(suppressions=rules, encoded_findings=True, finding_evidence=False),
                     sinks=[JsonSink(file_output(encoded))], clock=lambda: NOW, jobs=jobs)
    alone = tmp_path / "alone.json"  # evidence left out without asking for encoding: encoded all the same
    scan_files([org], settings(suppressions=rules, finding_evidence=False), sinks=[JsonSink(file_output(alone))],
               clock=lambda: NOW, jobs=jobs)
    assert alone.read_bytes() == plain.read_bytes()
    assert encoded.read_bytes() == plain.read_bytes()
    assert run.document.findings and not any(f.evidence for f in run.document.findings)
    assert any(f["evidence"] for f in json.loads(plain.read_bytes())["findings"])
    assert sum(1 for f in run.document.findings if f.suppressed) > 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_findings_kept_without_their_text_write_the_same_report(org: Path, tmp_path: Path, jobs: int) -> None:
    """Findings whose ids and messages are left out of the typed document (a JSON report alone reads
    neither) are written as the writer writes them with their text, in the same order."""
    rules = parse_suppressions(f"suppressions:\n  - {{account: \"{account_id(1)}\", reason: accepted}}\n", "s.yaml",
                               NOW.date())
    plain, lean = tmp_path / "plain.json", tmp_path / "lean.json"
    full = scan_files([org], settings(suppressions=rules), sinks=[JsonSink(file_output(plain))], clock=lambda: NOW)
    run = scan_files([org], settings(suppressions=rules, finding_evidence=False, finding_text=False),
                     sinks=[JsonSink(file_output(lean))], clock=lambda: NOW, jobs=jobs)
    assert lean.read_bytes() == plain.read_bytes()
    assert run.document.findings and not any(f.id or f.message for f in run.document.findings)
    assert [(f.check, f.severity, f.account_id, f.resource, f.statement, f.suppressed) for f in run.document.findings] \
        == [(f.check, f.severity, f.account_id, f.resource, f.statement, f.suppressed) for f in full.document.findings]
    assert run.document.summary == full.document.summary and run.document.suppressions == full.document.suppressions


def test_findings_too_long_to_pack_are_written_as_found(org: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept finding whose length does not pack beside its offset is written from the JSON the scan
    made, not from its typed entry, which holds neither its evidence nor its text."""
    plain, lean = tmp_path / "plain.json", tmp_path / "lean.json"
    scan_files([org], settings(), sinks=[JsonSink(file_output(plain))], clock=lambda: NOW)
    monkeypatch.setattr(writer, "_MAX_KEPT", 200)  # most findings' JSON is longer
    run = scan_files([org], settings(finding_evidence=False, finding_text=False),
                     sinks=[JsonSink(file_output(lean))], clock=lambda: NOW)
    assert lean.read_bytes() == plain.read_bytes()
    assert not any(f.message for f in run.document.findings)


def test_reports_from_the_light_document_match_those_from_the_file(org: Path, tmp_path: Path) -> None:
    target = tmp_path / "scan.json"
    run = scan_files([org], settings(), sinks=[JsonSink(file_output(target))])
    from_file = read_document(target)
    assert len(from_file.accounts[0].roles) == ROLES > len(run.document.accounts[0].roles)
    assert [r.as_json() for r in compliance_reports(run.document)] == [
        r.as_json() for r in compliance_reports(from_file)]
    assert run.document.findings == from_file.findings
    for finding in run.document.findings:
        assert run.document.evidence(finding) == from_file.evidence(finding)
        assert run.document.remediation_cli(finding) == from_file.remediation_cli(finding)


def test_progress_is_told_each_account_and_each_phase(org: Path) -> None:
    told: list[tuple[str, str, int | None]] = []

    class Recorder:
        def started(self, phase: str, total: int | None) -> None:
            told.append(("started", phase, total))

        def advanced(self, phase: str) -> None:
            told.append(("advanced", phase, None))

        def finished(self, phase: str, summary: str) -> None:
            told.append(("finished", phase, None))
            summaries.append(summary)

    summaries: list[str] = []
    scan_files([org], settings(), progress=Recorder())
    assert told == [("started", ACCOUNTS_PHASE, ACCOUNTS + 1), *[("advanced", ACCOUNTS_PHASE, None)] * (ACCOUNTS + 1),
                    ("finished", ACCOUNTS_PHASE, None), ("started", GRAPH_PHASE, None),
                    ("finished", GRAPH_PHASE, None), ("started", REPORTS_PHASE, None),
                    ("finished", REPORTS_PHASE, None)]
    accounts, graph, reports = summaries
    assert accounts.startswith(f"{ACCOUNTS} accounts, {ACCOUNTS * ROLES} roles, ")
    assert accounts.endswith("; 1 failed (1 unreadable file)")
    assert "nodes" in graph and "edges" in graph
    assert reports == "0 reports"


def test_every_role_is_kept_when_asked(org: Path) -> None:
    run = scan_files([org], settings(all_roles=True, graph=False))
    assert sum(len(a.roles) for a in run.document.accounts) == ACCOUNTS * ROLES


def test_the_account_step_is_picklable_for_worker_processes(org: Path) -> None:
    chosen = settings(suppressions=parse_suppressions("suppressions: []", "s.yaml", NOW.date()))
    outcome = scan_account(org / f"{account_id(2)}.json", pickle.loads(pickle.dumps(chosen)), TrustCache())
    again = pickle.loads(pickle.dumps(outcome))
    assert again == outcome and again.entry is not None and again.entry.role_count == ROLES
    assert again.graph_part is not None and again.encoded.startswith(b'{"account_id":"' + account_id(2).encode())
    assert pickle.loads(pickle.dumps(scan_account)) is scan_account


def test_filters_apply_per_account(org: Path) -> None:
    run = scan_files([org], settings(accounts=frozenset({account_id(3)}), severities=frozenset({"critical"})))
    assert [a.account_id for a in run.document.accounts] == [account_id(3)]
    assert run.document.findings and {f.severity for f in run.document.findings} == {"critical"}
    assert run.document.scope.filtered and run.document.scope.accounts == (account_id(3),)


def test_a_failing_sink_leaves_the_previous_report_alone(org: Path, tmp_path: Path) -> None:
    target = tmp_path / "scan.json"
    target.write_text("previous report")

    class Broken(CountingSink):
        def finish(self, document: ScanDocument) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        scan_files([org], settings(graph=False), sinks=[JsonSink(file_output(target)), Broken()])
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]  # no temporary file left


def test_nothing_readable_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[1, 2")
    target = tmp_path / "out" / "scan.json"
    with pytest.raises(ScanInputError, match="no snapshot could be read") as raised:
        scan_files([tmp_path], settings(), sinks=[JsonSink(file_output(target))])
    assert [f.source for f in raised.value.failures] == [str(tmp_path / "a.json")]
    assert not target.exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScanInputError, match="no GetAccountAuthorizationDetails files found"):
        scan_files([tmp_path / "empty"], settings())


def test_an_organisation_listing_is_found_wherever_it_is(tmp_path: Path) -> None:
    # listed after the account it names, and with a first key that does not say what it is
    (tmp_path / "a.json").write_text(json.dumps(gaad(role("member", trust(allow({"AWS": OUTSIDER}))))))
    listing = {"NextToken": None, **organization(ACCOUNT, OUTSIDER)}
    (tmp_path / "z.json").write_text(json.dumps(listing))
    run = scan_files([tmp_path], settings())
    assert run.document.organization is not None and OUTSIDER in run.document.organization.accounts
    assert not any(f.check == "trust-to-account-outside-organization" for f in run.document.findings)


def test_worker_processes_write_the_same_document_byte_for_byte(org: Path, tmp_path: Path) -> None:
    """--jobs 2 reads the accounts in two processes, yet the document is the one --jobs 1 writes."""
    from rolescope.cli.demo import sample_org_path

    for name, source in (("generated", org), ("demo", sample_org_path())):
        written = []
        for jobs in (1, 2):
            target = tmp_path / f"{name}-{jobs}.json"
            run = scan_files([source], settings(), sinks=[JsonSink(file_output(target))], clock=lambda: NOW,
                             jobs=jobs)
            written.append((target.read_bytes(), run.analyses))
        (one, analyses_one), (two, analyses_two) = written
        assert one == two, name
        # the same roles were looked at, whichever process's cache served them
        assert sum(analyses_one.values()) == sum(analyses_two.values()) > 0


def test_reports_that_show_no_role_keep_none(org: Path) -> None:
    """JSON, SARIF, CSV and the console read findings and counts: the typed document then holds no role."""
    run = scan_files([org], settings(finding_roles=False, graph=False))
    assert run.document.findings and not any(a.roles for a in run.document.accounts)
    assert sum(a.role_count for a in run.document.accounts) == ACCOUNTS * ROLES
    finding = run.document.findings[0]
    assert run.document.role_name(finding.resource) == finding.resource.rsplit("/", 1)[-1]


class _CountedStream(io.BytesIO):
    """A report stream that counts the writes made to it."""

    writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)


def _findings_section(document: bytes) -> bytes:
    return document[document.index(b'"findings":['):document.index(b'\n"errors":')]


def test_findings_of_accounts_in_the_documents_order_are_copied_out_file_by_file(org: Path) -> None:
    """Accounts scanned in the order the document lists findings in (their ids ascending, as files named
    by account id come) have their findings copied out of the files kept per severity: a few writes
    however many findings. In any other order each finding is written from where it was kept, and the
    section is the same."""
    files = sorted(p for p in org.glob("1*.json"))
    written = {}
    for name, order in (("ascending", files), ("descending", files[::-1])):
        stream = _CountedStream()
        run = scan_files(order, settings(encoded_findings=True), sinks=[JsonSink(Output(name, lambda s=stream:
                                                                                     contextlib.nullcontext(s)))],
                         clock=lambda: NOW, org_files=[org / "organization.json"])
        ids = [a.account_id for a in run.document.accounts]
        assert ids == sorted(ids, reverse=name == "descending")
        written[name] = (stream.getvalue(), stream.writes, len(run.document.findings))
    (ascending, few, findings), (descending, many, _) = written["ascending"], written["descending"]
    assert findings > 100
    assert few < ACCOUNTS + 20 < findings < many
    assert _findings_section(ascending) == _findings_section(descending)
    plain = scan_files(files, settings(), clock=lambda: NOW, org_files=[org / "organization.json"])
    assert [f["resource"] for f in json.loads(ascending)["findings"]] == [f.resource for f in plain.document.findings]


def test_the_json_report_is_written_but_its_graph_before_the_graph_is_built(org: Path, tmp_path: Path) -> None:
    """The findings and the rest are on their way to disk while the graph is built; the graph comes last."""
    target = tmp_path / "scan.json"
    seen: dict[str, int] = {}

    class Watcher:
        def started(self, phase: str, total: int | None) -> None:
            if phase == GRAPH_PHASE:
                seen["at the graph"] = len(next(tmp_path.glob(".scan.json.*.tmp")).read_bytes())

        def advanced(self, phase: str) -> None:
            del phase

        def finished(self, phase: str, summary: str) -> None:
            del phase, summary

    scan_files([org], settings(), sinks=[JsonSink(file_output(target))], progress=Watcher(), clock=lambda: NOW)
    document = target.read_bytes()
    assert seen["at the graph"] == document.index(b'\n"graph":') + len(b'\n"graph":')
    assert json.loads(document)["graph"]["nodes"]


def test_a_failed_sync_is_the_reports_error_and_leaves_the_previous_one(org: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk failing under the background sync of what was written ahead fails the scan, naming the
    report, as a failed write would."""
    target = tmp_path / "scan.json"
    target.write_text("previous report")

    def failing(descriptor: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(atomic_write.os, "fdatasync", failing)
    with pytest.raises(UnwritableFile, match=f"{target}: cannot write: .*Input/output error"):
        scan_files([org], settings(), sinks=[JsonSink(file_output(target))], clock=lambda: NOW)
    assert target.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]
