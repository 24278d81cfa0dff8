"""The library's one entry point: scan GAAD files or live accounts, account by account, into one typed result.

Every command that scans (``scan``, ``demo``, ``compliance``, ``graph``) calls :func:`scan_files` or
:func:`scan_live`; none assembles a scan itself. The work goes one account at a time: load its
snapshot, analyse and check it (:func:`rolescope.scanner.scan_snapshot`), turn it into its piece of
the report (:func:`scan_account`), hand that to the sinks, let the snapshot go. What stays until the
end is only what the end needs: each account's light entry (its counts and the roles with
findings), the findings, the check errors and the trust graph's part of each account.

:func:`scan_account` is a pure function of its source (a file or a snapshot) and picklable
settings, returning a picklable :class:`AccountOutcome`, so that it can run in worker processes;
the trust analysis cache it is given is per run (per worker, then). Side effects are injected: the
clock, the sinks the report goes to, and the progress callback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import partial
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rolescope.checks.context import CheckSettings
from rolescope.checks.registry import ACCOUNT_CHECKS, CHECKS
from rolescope.inventory.files import (
    LoadFailure,
    OwnOutput,
    SkippedFile,
    expand,
    load_file,
    may_hold_organization,
    merge_organizations,
)
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.model import AccountSnapshot, Organization
from rolescope.policy.arn import parse_arn
from rolescope.report.document import assemble, document_header
from rolescope.report.entries import (
    encoded_account_piece,
    error_entries,
    report_findings,
    scan_scope,
    settings_in_force,
)
from rolescope.report.model import (
    AccountEntry,
    CheckErrorEntry,
    Collection,
    ConfigFile,
    FindingEntry,
    ScanDocument,
    Scope,
)
from rolescope.report.sinks import ScanSink
from rolescope.report.suppressions import Suppressions
from rolescope.scanner import AccountResult, TrustCache, scan_snapshot
from rolescope.trust.graph import AccountGraphPart, account_graph_part, build_graph
from rolescope.trust.graph_json import graph_json
from rolescope.trust.graph_model import TrustGraph
from rolescope.wording import count, listed
from rolescope.workers import ordered_map

if TYPE_CHECKING:  # boto3 is imported only for live scans
    from rolescope.auth.targets import Target
    from rolescope.inventory.live import AccountData, AccountFailure, SessionFactory

# The phases a progress callback is told of, in order.
ACCOUNTS_PHASE = "scanning accounts"
GRAPH_PHASE = "building the trust graph"
REPORTS_PHASE = "writing reports"


class ScanInputError(ValueError):
    """The scan cannot start, or found nothing it could scan; the message is one line.

    Attributes:
        failures: the files that could not be read, each with its reason.
        skipped: the files left alone (rolescope's own outputs).
    """

    def __init__(self, message: str, failures: Sequence[LoadFailure] = (), skipped: Sequence[SkippedFile] = ()
                 ) -> None:
        super().__init__(message)
        self.failures = tuple(failures)
        self.skipped = tuple(skipped)


class UnknownAccounts(ScanInputError):
    """Accounts to keep that are not in the input: a typo would otherwise report nothing and pass.

    Attributes:
        missing: the accounts asked for and not found.
        present: every account the input holds.
    """

    def __init__(self, missing: Sequence[str], present: Sequence[str]) -> None:
        super().__init__(f"{', '.join(missing)}: not in the input; its accounts: {listed(present)}")
        self.missing = tuple(missing)
        self.present = tuple(present)


class ScanProgress(Protocol):
    """Told how a scan advances, phase by phase (a progress bar, log lines...)."""

    def started(self, phase: str, total: int | None) -> None:
        """``phase`` begins, with ``total`` steps when known."""

    def advanced(self, phase: str) -> None:
        """One step of ``phase`` is done."""

    def finished(self, phase: str, summary: str) -> None:
        """``phase`` is over; ``summary`` says what it did, in a few words ("400 accounts, ...")."""


class NoProgress:
    """A scan nobody watches."""

    def started(self, phase: str, total: int | None) -> None:
        del phase, total

    def advanced(self, phase: str) -> None:
        del phase

    def finished(self, phase: str, summary: str) -> None:
        del phase, summary


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What a scan runs and what it keeps; picklable, so a worker process can get a copy.

    Attributes:
        checks: the checks' tuning (the pipeline fills in the organisation it finds).
        check_ids: the checks to run (``None``: all; empty: none, as the graph needs).
        severities: the severities to keep (empty: all).
        accounts: the accounts to keep (empty: all).
        suppressions: accepted risks: their findings are marked suppressed.
        account_id: the account of a file whose ARNs and name do not say.
        all_roles: keep every role in the typed document (the HTML report shows them all); else only
            the roles with findings (every role is in the JSON document either way).
        finding_roles: keep the roles with findings (reports that show a finding's trust policy or
            paths need them); without it or ``all_roles`` the typed document holds no role, only each
            account's counts, which is all the JSON, SARIF, CSV and console reports read.
        graph: build the trust graph and put its section in the document.
        keep_graph: build the trust graph and give it back in :attr:`ScanRun.trust_graph` (for
            commands that draw it); without it the graph is let go once its section is made.
        config: the configuration file the settings came from, recorded in the document.
        encoded_findings: encode each finding's JSON where the account is scanned (in parallel, by
            its worker), for the JSON report to keep aside (on disk) and write as it is.
        finding_evidence: keep the findings' evidence in the typed document (the JSON report has it
            either way: without it, findings are encoded as with ``encoded_findings``): SARIF, OCSF,
            ASFF and HTML show it; JSON, CSV and the console do not read it.
        finding_text: keep the findings' ids and messages in the typed document (else they are empty;
            the JSON report has them either way: without it, findings are encoded as with
            ``encoded_findings``): every report but JSON shows them, and a JSON report alone reads only
            their checks, severities, accounts, roles and suppressions (each finding's text, sent from
            a worker process, cost as much again as the rest of its entry).
    """

    checks: CheckSettings = field(default_factory=CheckSettings)
    check_ids: tuple[str, ...] | None = None
    severities: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()
    suppressions: Suppressions | None = None
    account_id: str | None = None
    all_roles: bool = False
    graph: bool = True
    finding_roles: bool = True
    keep_graph: bool = False
    config: ConfigFile | None = None
    encoded_findings: bool = False
    finding_evidence: bool = True
    finding_text: bool = True

    @property
    def scope(self) -> Scope:
        scope = scan_scope(self.check_ids or (), self.severities, self.accounts)
        return scope if self.check_ids != () else replace(scope, checks=())


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """One account's piece of the scan, made by :func:`scan_account`.

    Attributes:
        entry: its light typed entry, or ``None`` when the account is filtered out.
        encoded: its ``accounts[]`` entry as JSON (empty when filtered out).
        findings: its findings kept, marked suppressed where an accepted risk covers them.
        errors: its check errors.
        graph_part: what the trust graph needs of it (``None``: no graph asked, or not scanned).
        failure: why its file could not be read, when it could not.
        skipped: why its file was left alone (one of rolescope's own outputs), when it was.
        scanned: its snapshot was read (and analysed, unless ``--account`` filtered it out).
        analyses: what analysing it cost the trust cache (``analysed``, ``renamed``, ``reused``).
        filtered_out: the account read and left out by :attr:`ScanSettings.accounts`, if it was.
        finding_json: each finding's JSON, when :attr:`ScanSettings.encoded_findings` asked for it.
    """

    entry: AccountEntry | None
    encoded: bytes
    findings: tuple[FindingEntry, ...] = ()
    errors: tuple[CheckErrorEntry, ...] = ()
    graph_part: AccountGraphPart | None = None
    failure: LoadFailure | None = None
    skipped: SkippedFile | None = None
    scanned: bool = False
    analyses: Mapping[str, int] = field(default_factory=dict)
    filtered_out: str | None = None
    finding_json: tuple[bytes, ...] = ()

    def __reduce__(self) -> tuple[Callable[..., AccountOutcome], tuple[Any, ...]]:
        # The findings cross as rows of their field values, which the pickler writes in C: each
        # entry pickled by its own __reduce__ (a Python call) took a third longer, and an account
        # has thousands.
        return _outcome, (self.entry, self.encoded, tuple(map(_FINDING_ROW, self.findings)), self.errors,
                          self.graph_part, self.failure, self.skipped, self.scanned, self.analyses, self.filtered_out,
                          self.finding_json)


_FINDING_ROW = attrgetter(*(f.name for f in fields(FindingEntry)))


def _outcome(entry: AccountEntry | None, encoded: bytes, findings: Iterable[tuple[Any, ...]], *rest: Any
             ) -> AccountOutcome:
    """An :class:`AccountOutcome` unpickled, its findings rebuilt from their rows."""
    return AccountOutcome(entry, encoded, tuple(starmap(FindingEntry, findings)), *rest)


@dataclass(frozen=True, slots=True)
class ScanRun:
    """A finished scan.

    Attributes:
        document: the typed document (roles kept as :attr:`ScanSettings.all_roles` says).
        load_failures: the files that could not be read (each also a failed account).
        skipped: the files left alone: rolescope's own outputs found among the inputs.
        trust_graph: the trust graph, when :attr:`ScanSettings.keep_graph` asked for it.
        organization: the organisation the accounts were judged in.
        analyses: the trust cache's counts: ``analysed``, ``renamed``, ``reused``.
    """

    document: ScanDocument
    load_failures: tuple[LoadFailure, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    trust_graph: TrustGraph | None = None
    organization: Organization | None = None
    analyses: Mapping[str, int] = field(default_factory=dict)


def scan_account(source: Path | AccountSnapshot, settings: ScanSettings, cache: TrustCache,
                 api_calls: int | None = None) -> AccountOutcome:
    """Load (from a file), analyse, check and encode one account.

    Args:
        source: a GAAD file, or a collected snapshot.
        settings: the scan's settings (with the organisation filled in).
        cache: the run's trust analysis cache.
        api_calls: the AWS calls made to collect it (live scans).

    Returns:
        The account's outcome; a file that cannot be read becomes a failed account, never an exception.
    """
    if isinstance(source, Path):
        try:
            found = load_file(source, settings.account_id)
            if isinstance(found, Organization):
                raise SnapshotError("an organisation listing, read before the scan")
        except OwnOutput as own:
            return AccountOutcome(None, b"", skipped=SkippedFile(str(source), str(own)))
        except SnapshotError as error:
            failure = LoadFailure(str(source), str(error))
            return failed_account(AccountResult("unknown", "failed", error=failure.error, source=failure.source),
                                  settings, failure)
        snapshot = found
    else:
        snapshot = source
    if settings.accounts and snapshot.account_id not in settings.accounts:
        # read, then filtered out: not even analysed
        return AccountOutcome(None, b"", scanned=True, filtered_out=snapshot.account_id)
    wanted = settings.check_ids
    checks = CHECKS if wanted is None else tuple(c for c in CHECKS if c.id in wanted)
    account_checks = ACCOUNT_CHECKS if wanted is None else tuple(c for c in ACCOUNT_CHECKS if c.id in wanted)
    before = Counter(cache.stats)
    result, findings, errors = scan_snapshot(snapshot, settings.checks, cache, checks, account_checks)
    result.api_calls = api_calls
    if settings.severities:
        findings = [f for f in findings if f.severity in settings.severities]
    if settings.suppressions is not None:
        findings = settings.suppressions.apply(findings)
    # without the evidence or text in the typed entries, only their JSON made here carries it to the JSON report
    entries, encoded_findings = report_findings(
        findings, encode=settings.encoded_findings or not (settings.finding_evidence and settings.finding_text),
        evidence=settings.finding_evidence, text=settings.finding_text)
    with_findings = {f.resource for f in entries}
    keep: Callable[[str], bool] = (lambda _: True) if settings.all_roles else (
        with_findings.__contains__ if settings.finding_roles else (lambda _: False))
    entry, encoded = encoded_account_piece(result, keep)
    part = account_graph_part(snapshot, [(r.role, r.analysis) for r in result.roles if r.analysis is not None]
                              ) if settings.graph or settings.keep_graph else None
    return AccountOutcome(entry, encoded, tuple(entries), tuple(error_entries(errors)), part,
                          scanned=True, analyses=dict(cache.stats - before), finding_json=encoded_findings)


def failed_account(result: AccountResult, settings: ScanSettings, failure: LoadFailure | None = None
                   ) -> AccountOutcome:
    """The outcome of an account that could not be read or collected."""
    if settings.accounts and result.account_id not in settings.accounts:
        return AccountOutcome(None, b"", failure=failure, filtered_out=result.account_id)
    entry, encoded = encoded_account_piece(result, lambda _: False)
    return AccountOutcome(entry, encoded, failure=failure)


def scan_files(paths: Sequence[Path], settings: ScanSettings, *, org_files: Sequence[Path] = (),
               sinks: Sequence[ScanSink] = (), progress: ScanProgress | None = None,
               clock: Callable[[], datetime] | None = None, jobs: int = 1) -> ScanRun:
    """Scan GAAD files (``aws iam get-account-authorization-details`` output), one account at a time.

    Organisation listings among ``paths`` (``list-accounts``/``describe-organization`` output) and in
    ``org_files`` are read first: the organisation is the zone of trust every account is judged in.

    Args:
        paths: files, or directories whose ``*.json`` files are read (recursively).
        settings: what to run and keep.
        org_files: organisation listings (``--org-accounts``).
        sinks: where the report goes, fed as the scan goes.
        progress: told as each account is done.
        clock: the time the document is stamped with (default: now, UTC).
        jobs: worker processes that load and analyse accounts (1: all in this process). The result
            is the same whatever the number: accounts are taken in the order of the files.

    Returns:
        The finished scan.

    Raises:
        ScanInputError: an organisation file cannot be read, no file was found, or none could be
            read (the sinks are then aborted: nothing is written).
    """
    organizations = []
    for org_file in org_files:
        try:
            found = load_file(org_file)
        except SnapshotError as error:
            raise ScanInputError(f"{org_file}: {error}") from None
        if not isinstance(found, Organization):
            raise ScanInputError(f"{org_file}: not aws organizations list-accounts / describe-organization output")
        organizations.append(found)
    files = []
    skipped = []
    for path in expand(paths):
        if may_hold_organization(path):
            try:
                listing = load_file(path, settings.account_id)
            except OwnOutput as own:
                skipped.append(SkippedFile(str(path), str(own)))
                continue
            except SnapshotError:
                listing = None  # read again in turn, and reported there
            if isinstance(listing, Organization):
                organizations.append(listing)
                continue
        files.append(path)
    if not files:
        raise ScanInputError("no GetAccountAuthorizationDetails files found in " + ", ".join(map(str, paths))
                             + _skipped_note(skipped), skipped=skipped)
    organization = merge_organizations(organizations)
    settings = _with_organization(settings, organization)
    outcomes = ordered_map(partial(_file_scanner, settings), files, jobs, preload=(__name__,))
    return _run(outcomes, len(files), settings, organization, sinks, progress, clock, require_one=True,
                skipped=skipped)


def _skipped_note(skipped: Sequence[SkippedFile]) -> str:
    return f" (only rolescope's own outputs: {count(len(skipped), 'file')} skipped)" if skipped else ""


def scan_live(targets: Sequence[Target], open_session: SessionFactory, settings: ScanSettings, *,
              organization: Organization | None = None, workers: int | None = None,
              collected: Callable[[AccountData | AccountFailure], None] | None = None,
              sinks: Sequence[ScanSink] = (), progress: ScanProgress | None = None,
              clock: Callable[[], datetime] | None = None) -> ScanRun:
    """Collect live accounts (:func:`rolescope.inventory.live.collect`), then scan them one at a time.

    Args:
        targets: the accounts to reach.
        open_session: opens each account's session and gives its call counter.
        settings: what to run and keep.
        organization: the organisation, when known: the zone of trust.
        workers: accounts collected at once (default: collection's own).
        collected: told as each account is collected or fails.
        sinks, progress, clock: as for :func:`scan_files`.

    Returns:
        The finished scan: collected accounts first, in target order, then those that failed, each
        with the AWS error and the calls made.
    """
    from rolescope.auth.validate import DEFAULT_WORKERS
    from rolescope.inventory.live import collect

    collection = collect(targets, open_session, workers=DEFAULT_WORKERS if workers is None else workers,
                         progress=collected)
    failed = [AccountResult(f.account_id, "failed", error=str(f.error), source=f.target.source,
                            api_calls=f.calls.calls if f.calls is not None else None) for f in collection.failures]
    total = len(collection.accounts) + len(failed)

    def sources() -> Iterator[tuple[AccountSnapshot | AccountResult, int | None]]:
        pending = collection.accounts[::-1]
        collection.accounts.clear()  # each snapshot is let go once scanned
        while pending:
            data = pending.pop()
            yield data.snapshot, data.calls.calls
        for result in failed:
            yield result, result.api_calls

    settings = _with_organization(settings, organization)
    return _run(_scanned(sources(), settings), total, settings, organization, sinks, progress, clock,
                collection=collection_of(targets))


def collection_of(targets: Sequence[Target]) -> Collection:
    """How a live scan reaches ``targets``: the names of the roles it assumes (``fix plan`` leaves them alone)."""
    names = sorted({arn.resource_name for t in targets if t.role_arn and (arn := parse_arn(t.role_arn))})
    return Collection(tuple(names))


def _with_organization(settings: ScanSettings, organization: Organization | None) -> ScanSettings:
    return replace(settings, checks=replace(settings.checks, organization=organization))


def _scanned(sources: Iterable[tuple[AccountSnapshot | AccountResult, int | None]], settings: ScanSettings
             ) -> Iterator[AccountOutcome]:
    """Each source's outcome, in this process, with one trust cache for the run."""
    cache = TrustCache()
    for source, api_calls in sources:
        if isinstance(source, AccountResult):
            yield failed_account(source, settings)
        else:
            yield scan_account(source, settings, cache, api_calls)


def _file_scanner(settings: ScanSettings) -> Callable[[Path], AccountOutcome]:
    """What each process scanning files runs for each file: its own trust cache, shared by the
    accounts it scans (:func:`rolescope.workers.ordered_map` builds it once per process)."""
    cache = TrustCache()
    return lambda path: scan_account(path, settings, cache)


def _run(outcomes: Iterable[AccountOutcome], total: int, settings: ScanSettings, organization: Organization | None,
         sinks: Sequence[ScanSink], progress: ScanProgress | None, clock: Callable[[], datetime] | None,
         require_one: bool = False, skipped: Sequence[SkippedFile] = (), collection: Collection | None = None
         ) -> ScanRun:
    """Feed the sinks each account's outcome, in order; abort them all if anything goes wrong."""
    watcher = progress or NoProgress()
    header = document_header((clock or _now)(), organization, settings.scope, settings.checks.now,
                             settings_in_force(settings.checks, settings.config), collection)
    accounts: list[AccountEntry] = []
    findings: list[FindingEntry] = []
    errors: list[CheckErrorEntry] = []
    parts: list[AccountGraphPart] = []
    failures: list[LoadFailure] = []
    left_alone = list(skipped)
    analyses: Counter[str] = Counter()
    committed: list[str] = []
    seen: set[str | None] = set()
    scanned = 0
    try:
        for sink in sinks:
            sink.begin(header)
        watcher.started(ACCOUNTS_PHASE, total)
        for outcome in outcomes:
            if outcome.failure is None and outcome.scanned:
                scanned += 1
            analyses.update(outcome.analyses)
            if outcome.skipped is not None:
                left_alone.append(outcome.skipped)
            seen.add(outcome.entry.account_id if outcome.entry is not None else outcome.filtered_out)
            _collect(outcome, sinks, accounts, findings, errors, parts, failures)
            watcher.advanced(ACCOUNTS_PHASE)
        if require_one and not scanned:
            raise ScanInputError("no snapshot could be read" + ("" if failures else _skipped_note(left_alone)),
                                 failures, left_alone)
        missing = sorted(settings.accounts - seen)
        if missing and not failures:  # an unreadable file may be the account asked for: that is the error then
            raise UnknownAccounts(missing, sorted(a for a in seen if a is not None and a != "unknown"))
        watcher.finished(ACCOUNTS_PHASE, _accounts_summary(accounts, findings, failures, analyses))
        # Everything but the graph is known: the JSON report writes it (and starts putting it on disk)
        # before the graph is built.
        document = assemble(header, accounts, findings, errors, settings.suppressions, None)
        for sink in sinks:
            sink.before_graph(document)
        trust_graph: TrustGraph | None = None
        if settings.graph or settings.keep_graph:
            watcher.started(GRAPH_PHASE, None)
            trust_graph = build_graph(parts, organization)
            parts.clear()  # the graph holds what it needs: each account's part can go before the JSON
            if settings.graph:
                document = replace(document, graph=graph_json(trust_graph))
            watcher.finished(GRAPH_PHASE, f"{count(len(trust_graph.nodes), 'node')}, "
                                          f"{count(len(trust_graph.edges), 'edge')}")
            if not settings.keep_graph:
                trust_graph = None
        watcher.started(REPORTS_PHASE, None)
        for sink in sinks:
            sink.finish(document)
        for sink in sinks:
            sink.commit()
            committed.append(sink.name)
        watcher.finished(REPORTS_PHASE, count(len(sinks), "report"))
    except BaseException as error:
        for sink in sinks:
            sink.abort()
        if len(sinks) > 1:
            error.add_note(_outputs_note(committed, [s.name for s in sinks if s.name not in committed]))
        raise
    return ScanRun(document, tuple(failures), tuple(left_alone), trust_graph, organization, dict(analyses))


def _outputs_note(replaced: Sequence[str], kept: Sequence[str]) -> str:
    """What a failed or interrupted scan left of its reports: each one is new or as it was, never half,
    but together they may be a mix of this scan's and an earlier one's."""
    left = f"left as they were: {', '.join(kept)}" if kept else ""
    if not replaced:
        return "no report was written; " + left
    return f"reports replaced: {', '.join(replaced)}" + (f"; {left}" if left else "")


def _accounts_summary(accounts: Sequence[AccountEntry], findings: Sequence[FindingEntry],
                      failures: Sequence[LoadFailure], analyses: Mapping[str, int]) -> str:
    failed = sum(1 for a in accounts if a.failed)
    searched = analyses.get("analysed", 0)
    summary = (f"{count(len(accounts) - failed, 'account')}, {count(sum(a.role_count for a in accounts), 'role')}, "
               f"{count(len(findings), 'finding')}, {count(searched, 'trust search', 'trust searches')}")
    if failed:
        summary += f"; {failed:,} failed"
    if failures:
        summary += f" ({count(len(failures), 'unreadable file')})"
    return summary


def _collect(outcome: AccountOutcome, sinks: Sequence[ScanSink], accounts: list[AccountEntry],
             findings: list[FindingEntry], errors: list[CheckErrorEntry], parts: list[AccountGraphPart],
             failures: list[LoadFailure]) -> None:
    if outcome.entry is not None:
        accounts.append(outcome.entry)
        for sink in sinks:
            sink.account(outcome.entry, outcome.encoded, outcome.findings, outcome.finding_json)
    findings += outcome.findings
    errors += outcome.errors
    if outcome.graph_part is not None:
        parts.append(outcome.graph_part)
    if outcome.failure is not None:
        failures.append(outcome.failure)


def _now() -> datetime:
    return datetime.now(UTC)
