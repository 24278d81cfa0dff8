"""The offline benchmark: ``rolescope scan --from DIR --format json --output FILE`` on generated organisations.

Each size is a shape (``mixed`` or ``dense``, :mod:`bench.generate`), a number of roles and of accounts.
The scan runs as a user runs it (a fresh process, interpreter start-up included) against
``bench/parse_floor.py`` on the same files (reading and decoding them with the same JSON library,
nothing else), each ``repeat`` times; a run that outlives its time limit is killed and recorded as
"did not finish", and the size is not repeated. ``bench/phases.py`` then times the phases in-process.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench import generate
from bench.measure import Run, summary, timed

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
SHAPES = ("mixed", "dense")
# Sizes per set and shape: ROLES or ROLESxACCOUNTS (accounts default: bench.generate.default_accounts).
# Dense sizes follow issue 10: one account of 1,000 roles, 10 x 1,000, 50 x 2,000, 500 x 2,000.
SIZE_SETS: dict[str, dict[str, str]] = {
    "small": {"mixed": "2500,5000,10000", "dense": "1000x1,10000x10"},
    "big": {"mixed": "10000,100000", "dense": "1000x1,10000x10,100000x50"},
    "huge": {"mixed": "1000000", "dense": "1000000x500"},
}
REPEAT_UP_TO = 100_000  # larger sizes: one run, no phase breakdown (each takes minutes)
MIN_TIMEOUT = 120.0
TIMEOUT_PER_ROLE = 0.001
INPUT_BYTES_PER_ROLE = 3_000  # for the disk check: generated JSON is ~2.5-2.8 KB a role
REPORT_BYTES_PER_ROLE = 6_000  # a rolescope.scan/v1 report is up to ~2.2x its input
MEMORY_LIMIT_GB = 12.0  # per scan process: the machine (23.5 GiB) is shared


@dataclass(frozen=True, slots=True)
class Size:
    """One organisation to scan."""

    shape: str
    roles: int
    accounts: int

    @property
    def label(self) -> str:
        return f"{self.shape} {self.roles:,} roles / {self.accounts} account{'s' if self.accounts != 1 else ''}"

    @property
    def slug(self) -> str:
        # The mixed shape keeps the directory names organisations were cached under before shapes existed.
        stem = f"{self.roles}-a{self.accounts}"
        return stem if self.shape == "mixed" else f"{self.shape}-{stem}"


@dataclass(frozen=True, slots=True)
class Options:
    """How to run the offline benchmark."""

    repeat: int = 3
    seed: int = 7
    keep: bool = False
    timeout: float | None = None  # None: MIN_TIMEOUT, or TIMEOUT_PER_ROLE a role when that is longer
    memory_limit_gb: float = MEMORY_LIMIT_GB  # 0: none
    scan_args: tuple[str, ...] = ()
    phases: bool = True

    def timeout_for(self, size: Size) -> float:
        return self.timeout if self.timeout is not None else max(MIN_TIMEOUT, size.roles * TIMEOUT_PER_ROLE)

    @property
    def memory_limit_bytes(self) -> int | None:
        return int(self.memory_limit_gb * 2**30) if self.memory_limit_gb > 0 else None


def parse_sizes(text: str, shapes: list[str]) -> list[Size]:
    """``"10000,1000x1"`` for each of ``shapes``: roles, and accounts after an ``x`` (else the shape's default).

    Raises:
        ValueError: an item is not ``ROLES`` or ``ROLESxACCOUNTS`` with positive whole numbers.
    """
    sizes = []
    for shape in shapes:
        for item in filter(None, (part.strip() for part in text.split(","))):
            roles_text, separator, accounts_text = item.lower().partition("x")
            try:
                roles = int(roles_text)
                accounts = int(accounts_text) if separator else generate.default_accounts(roles, shape)
            except ValueError:
                raise ValueError(f"size {item!r}: expected ROLES or ROLESxACCOUNTS, e.g. 10000 or 1000x1") from None
            if roles < 1 or accounts < 1:
                raise ValueError(f"size {item!r}: roles and accounts must be at least 1")
            sizes.append(Size(shape, roles, accounts))
    return sizes


def size_set(name: str, shapes: list[str]) -> list[Size]:
    """The sizes of :data:`SIZE_SETS` ``name`` for each of ``shapes``."""
    return [size for shape in shapes for size in parse_sizes(SIZE_SETS[name][shape], [shape])]


def rolescope_command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / "rolescope"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rolescope"]


def _check_disk(size: Size, data: Path) -> None:
    cached = generate.read_manifest(data) is not None
    need = size.roles * (REPORT_BYTES_PER_ROLE + (0 if cached else INPUT_BYTES_PER_ROLE))
    OUT.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(OUT).free
    if free < need + 2**30:
        raise SystemExit(f"[offline] {size.label}: needs about {need / 1e9:.1f} GB under {OUT} and "
                         f"{free / 1e9:.1f} GB are free: free some space or choose smaller sizes")


def _failure(run: Run, report: Path, timeout: float, options: Options) -> str | None:
    if run.timed_out:
        return f"did not finish in {timeout:.0f} s"
    if "MemoryError" in run.stderr_tail and options.memory_limit_bytes:
        return f"ran out of memory (address-space limit {options.memory_limit_gb:g} GiB)"
    if run.exit_code not in (0, 1) or not report.exists():
        last = run.stderr_tail.strip().splitlines()[-1:] or ["no report written"]
        return f"exit code {run.exit_code}: {last[0][:200]}"
    return None


def measure(size: Size, options: Options) -> dict[str, Any]:
    """Generate (or reuse) the organisation of ``size``, then time its scan, parse floor and phases."""
    data = OUT / "orgs" / f"{size.slug}-s{options.seed}"
    _check_disk(size, data)
    started = time.perf_counter()
    manifest = generate.ensure(data, size.roles, size.accounts, options.seed, size.shape)
    print(f"[offline] {size.label}: data ready ({time.perf_counter() - started:.1f} s, "
          f"{manifest['bytes'] / 1e6:.0f} MB, {manifest['distinct_trust_documents']} distinct trust documents)",
          flush=True)
    report = OUT / f"scan-{size.slug}.json"
    timeout = options.timeout_for(size)
    command = [*rolescope_command(), "scan", "--from", str(data), "--format", "json", "--output", str(report),
               *options.scan_args]
    parse_runs: list[Run] = []
    scan_runs: list[Run] = []
    failure = None
    report_bytes = None
    runs = options.repeat if size.roles <= REPEAT_UP_TO else 1
    for attempt in range(runs):
        parse_runs.append(timed([sys.executable, str(BENCH / "parse_floor.py"), str(data)]))
        report.unlink(missing_ok=True)
        run = timed(command, timeout=timeout, memory_limit_bytes=options.memory_limit_bytes)
        scan_runs.append(run)
        failure = _failure(run, report, timeout, options)
        print(f"[offline] {size.label}, run {attempt + 1}/{runs}: "
              + (failure + ";" if failure else f"scan {run.wall:.2f} s wall")
              + f" {run.cpu:.2f} s CPU, {run.max_rss_mb:.0f} MB (tree {run.tree_rss_mb:.0f} MB); "
              f"parse {parse_runs[-1].wall:.2f} s", flush=True)
        if failure:
            sys.stderr.write(run.stderr_tail[-1000:])
            break
        report_bytes = report.stat().st_size
    phases = None
    if failure is None and options.phases and size.roles <= REPEAT_UP_TO:
        phases = timed([sys.executable, str(BENCH / "phases.py"), str(data)], timeout=timeout,
                       memory_limit_bytes=options.memory_limit_bytes)
    if not options.keep:
        report.unlink(missing_ok=True)
    scan, parse = summary(scan_runs), summary(parse_runs)
    finished = failure is None
    return {
        "shape": size.shape, "roles": size.roles, "accounts": size.accounts, "bytes": manifest["bytes"],
        "distinct_trust_documents": manifest["distinct_trust_documents"], "kinds": manifest["kinds"],
        "trust_classes": manifest.get("trust_classes"), "admin_roles": manifest.get("admin_roles"),
        "finished": finished, "failure": failure, "timeout_seconds": timeout, "scan_args": list(options.scan_args),
        "scan": scan, "parse": parse,
        "report_bytes": report_bytes,
        "report_ratio": report_bytes / manifest["bytes"] if report_bytes else None,
        "roles_per_second": size.roles / scan["wall_min"] if finished else None,
        "roles_per_second_median": size.roles / scan["wall_median"] if finished else None,
        "parse_ratio": scan["wall_min"] / parse["wall_min"] if finished else None,
        "parse_ratio_median": scan["wall_median"] / parse["wall_median"] if finished else None,
        "mb_per_100k_roles": scan["max_rss_mb"] / size.roles * 100_000 if finished else None,
        "phases": orjson.loads(phases.stdout) if phases and phases.exit_code == 0 and phases.stdout else None,
    }


def offline(sizes: list[Size], options: Options) -> list[dict[str, Any]]:
    """Measure every size in turn (see :func:`measure`)."""
    return [measure(size, options) for size in sizes]


def _row(r: dict[str, Any]) -> str:
    head = (f"| {r.get('shape', 'mixed')} | {r['roles']:,} | {r['accounts']} | {r['bytes'] / 1e6:.0f} "
            f"| {r['distinct_trust_documents']:,} ")
    scan, parse = r["scan"], r["parse"]
    if not r.get("finished", True):
        return (head + f"| **{r['failure']}** | — | — | {scan['cpu_min']:.1f} | — | {parse['wall_min']:.2f} | — "
                f"| {scan['max_rss_mb']:.0f} (unfinished run) | {scan.get('tree_rss_mb', 0):.0f} | — |")
    report = f"{r['report_bytes'] / 1e6:.0f} | {r['report_ratio']:.2f}×" if r.get("report_bytes") else "— | —"
    return (head + f"| {scan['wall_min']:.2f} / {scan['wall_median']:.2f} | {report} | {scan['cpu_min']:.2f} "
            f"| {r['roles_per_second']:,.0f} / {r['roles_per_second_median']:,.0f} | {parse['wall_min']:.2f} "
            f"| {r['parse_ratio']:.1f}× | {scan['max_rss_mb']:.0f} | {scan.get('tree_rss_mb', 0):.0f} "
            f"| {r['mb_per_100k_roles']:.0f} |")


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render_offline(rows: list[dict[str, Any]]) -> list[str]:
    """The offline measurements as Markdown: one table of runs, one of phases."""
    args = sorted({" ".join(r.get("scan_args") or []) for r in rows} - {""})
    lines = [f"Extra scan arguments: `{'`, `'.join(args)}`." if args else "No extra scan arguments.", "",
             "| shape | roles | accounts | input MB | distinct trust docs | scan wall min / median (s) | report MB "
             "| report ÷ input | scan CPU min (s) | roles/s (min / median) | parse floor min (s) | scan ÷ parse "
             "| peak RSS, wait4 (MB) | peak RSS of the process tree, sampled (MB) | MB per 100k roles |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [_row(r) for r in rows]
    lines += ["", "Phases (`bench/phases.py`: in-process, one run, serial whatever the scan arguments; seconds "
              "summed over the accounts, and peak RSS at the end):", "",
              "| shape | roles | accounts | load | analyse + check | account entries | graph parts | hand-over "
              "| graph | write | trust searches | peak RSS (MB) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        phases = r.get("phases") or {}
        p = phases.get("seconds")
        if p:
            rss = (phases.get("peak_rss_mb") or {}).get("write")
            lines.append(f"| {r.get('shape', 'mixed')} | {r['roles']:,} | {r['accounts']} | {p['load']:.2f} "
                         f"| {p['analyse_and_check']:.2f} | {_number(p.get('account_entries'))} "
                         f"| {_number(p.get('graph_parts'))} | {_number(p.get('handover'))} "
                         f"| {_number(p.get('graph'))} | {p['write']:.2f} "
                         f"| {phases.get('searches', '—')} | {_number(rss, 0)} |")
    lines.append("")
    return lines


def plot_offline(rows: list[dict[str, Any]], path: Path, plt: Any, target_roles_per_second: float) -> list[Path]:
    """Scan and parse time against roles, one line per shape (finished runs only), log-log when wide."""
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    everything: list[int] = []
    for shape, marker in (("mixed", "o"), ("dense", "^")):
        done = sorted((r for r in rows if r.get("shape", "mixed") == shape and r.get("finished", True)),
                      key=lambda r: r["roles"])
        if not done:
            continue
        roles = [r["roles"] for r in done]
        everything += roles
        axis.plot(roles, [r["scan"]["wall_min"] for r in done], f"{marker}-", label=f"scan --from, {shape} (wall, min)")
        axis.plot(roles, [r["parse"]["wall_min"] for r in done], f"{marker}--", alpha=0.6,
                  label=f"parse floor, {shape}")
    if not everything:
        plt.close(figure)
        return []
    span = sorted(set(everything))
    axis.plot(span, [n / target_roles_per_second for n in span], ":", color="grey",
              label=f"target: {target_roles_per_second:,.0f} roles/s")
    axis.set_xlabel("roles")
    axis.set_ylabel("seconds")
    axis.set_title("Offline scan time vs roles")
    if max(span) / min(span) >= 20:
        axis.set_xscale("log")
        axis.set_yscale("log")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]
