"""rolescope's benchmark: ``make bench`` (small sizes) or ``python bench/run.py --big``.

Offline: generate synthetic organisations (:mod:`bench.generate`), then time
``rolescope scan --from DIR --format json --output FILE`` as a user runs it (a fresh process,
interpreter start-up included) against ``bench/parse_floor.py`` on the same files (reading and
decoding them with the same JSON library, nothing else), each ``--repeat`` times; peak memory is
the scan process's maximum resident set size (``wait4``). Live: see :mod:`bench.live`.

Results go to ``bench/out/results-<tag>.json`` and ``report-<tag>.md`` (tag: small, big or ``--tag``),
plots to ``bench/*.png``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench import generate  # noqa: E402

BENCH = ROOT / "bench"
OUT = BENCH / "out"
SMALL_SIZES = (2_500, 5_000, 10_000)
BIG_SIZES = (10_000, 100_000, 500_000)
TARGET_ROLES_PER_SECOND = 25_000
TARGET_PARSE_RATIO = 3.0
TARGET_MB_PER_100K = 1024.0
PHASES_UP_TO = 100_000  # larger sizes: one run, no phase breakdown (each takes minutes)


@dataclass(frozen=True, slots=True)
class Run:
    """One process run: wall and CPU seconds, peak resident memory, exit code."""

    wall: float
    cpu: float
    max_rss_mb: float
    exit_code: int
    stdout: str = ""


def timed(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to completion; its own resource usage, not its siblings'."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        if process.returncode not in (0, 1):
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
    # ru_maxrss is in kilobytes on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, stdout)


def summary(runs: list[Run]) -> dict[str, float]:
    walls = [r.wall for r in runs]
    cpus = [r.cpu for r in runs]
    return {
        "wall_min": min(walls), "wall_median": statistics.median(walls),
        "cpu_min": min(cpus), "cpu_median": statistics.median(cpus),
        "max_rss_mb": max(r.max_rss_mb for r in runs), "runs": len(runs),
    }


def rolescope_command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / "rolescope"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rolescope"]


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        cpu = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "")
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def offline(sizes: list[int], repeat: int, seed: int, keep: bool) -> list[dict[str, Any]]:
    """Time the offline scan and the parse floor at each size."""
    results = []
    command = rolescope_command()
    for roles in sizes:
        accounts = generate.default_accounts(roles)
        data = OUT / "orgs" / f"{roles}-a{accounts}-s{seed}"
        started = time.perf_counter()
        manifest = generate.ensure(data, roles, accounts, seed)
        print(f"[offline] {roles:>7} roles / {accounts} accounts: data ready ({time.perf_counter() - started:.1f} s, "
              f"{manifest['bytes'] / 1e6:.0f} MB, {manifest['distinct_trust_documents']} distinct trust documents)",
              flush=True)
        report = OUT / f"scan-{roles}.json"
        parse_runs, scan_runs = [], []
        runs = repeat if roles <= PHASES_UP_TO else 1  # the largest sizes take minutes a run: once
        for attempt in range(runs):
            parse_runs.append(timed([sys.executable, str(BENCH / "parse_floor.py"), str(data)]))
            run = timed([*command, "scan", "--from", str(data), "--format", "json", "--output", str(report)])
            if run.exit_code not in (0, 1):
                raise SystemExit(f"rolescope scan failed with exit code {run.exit_code}")
            scan_runs.append(run)
            print(f"[offline] {roles:>7} roles, run {attempt + 1}/{runs}: scan {run.wall:.2f} s wall "
                  f"{run.cpu:.2f} s CPU {run.max_rss_mb:.0f} MB; parse {parse_runs[-1].wall:.2f} s", flush=True)
        phases = timed([sys.executable, str(BENCH / "phases.py"), str(data)]) if roles <= PHASES_UP_TO else None
        scan, parse = summary(scan_runs), summary(parse_runs)
        results.append({
            "roles": roles, "accounts": accounts, "bytes": manifest["bytes"],
            "distinct_trust_documents": manifest["distinct_trust_documents"], "kinds": manifest["kinds"],
            "scan": scan, "parse": parse,
            "roles_per_second": roles / scan["wall_min"],
            "roles_per_second_median": roles / scan["wall_median"],
            "parse_ratio": scan["wall_min"] / parse["wall_min"],
            "parse_ratio_median": scan["wall_median"] / parse["wall_median"],
            "mb_per_100k_roles": scan["max_rss_mb"] / roles * 100_000,
            "phases": orjson.loads(phases.stdout) if phases and phases.exit_code == 0 and phases.stdout else None,
        })
        if not keep:
            report.unlink(missing_ok=True)
    return results


def startup(repeat: int) -> dict[str, float]:
    """The price of starting the command at all: ``rolescope --version``, and a bare interpreter."""
    cli = summary([timed([*rolescope_command(), "--version"]) for _ in range(repeat)])
    bare = summary([timed([sys.executable, "-c", "import orjson"]) for _ in range(repeat)])
    return {"rolescope_version_wall_min": cli["wall_min"], "rolescope_version_cpu_min": cli["cpu_min"],
            "python_orjson_wall_min": bare["wall_min"]}


def render_report(results: dict[str, Any]) -> str:
    """The measurements as Markdown tables (pasted into RESULTS.md with the commentary)."""
    info = results["machine"]
    lines = [
        f"Measured {info['date']} on {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"Python {info['python']}, {info['platform']}; load average at start {info['load_average']}.",
        "",
    ]
    if results.get("startup"):
        s = results["startup"]
        lines += [f"Start-up: `rolescope --version` {s['rolescope_version_wall_min']:.2f} s wall "
                  f"({s['rolescope_version_cpu_min']:.2f} s CPU); `python -c 'import orjson'` "
                  f"{s['python_orjson_wall_min']:.2f} s.", ""]
    if results.get("offline"):
        lines += [
            "| roles | accounts | input MB | distinct trust docs | scan wall min / median (s) | scan CPU min (s) "
            "| roles/s (min / median) | parse floor min (s) | scan ÷ parse | peak RSS (MB) | MB per 100k roles |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["offline"]:
            lines.append(
                f"| {r['roles']:,} | {r['accounts']} | {r['bytes'] / 1e6:.0f} | {r['distinct_trust_documents']:,} "
                f"| {r['scan']['wall_min']:.2f} / {r['scan']['wall_median']:.2f} | {r['scan']['cpu_min']:.2f} "
                f"| {r['roles_per_second']:,.0f} / {r['roles_per_second_median']:,.0f} "
                f"| {r['parse']['wall_min']:.2f} | {r['parse_ratio']:.1f}× | {r['scan']['max_rss_mb']:.0f} "
                f"| {r['mb_per_100k_roles']:.0f} |"
            )
        lines += ["", "Phases (in-process, one run, seconds):", "",
                  "| roles | load | analyse + check | build document | render JSON | write |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for r in results["offline"]:
            p = (r.get("phases") or {}).get("seconds")
            if p:
                lines.append(f"| {r['roles']:,} | {p['load']:.2f} | {p['analyse_and_check']:.2f} "
                             f"| {p['build_document']:.2f} | {p['render_json']:.2f} | {p['write']:.2f} |")
        lines.append("")
    if results.get("live"):
        from bench.live import render_live

        lines += render_live(results["live"])
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any]) -> list[Path]:
    """Time against roles (offline) and against accounts (live), as PNGs in ``bench/``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("[plot] matplotlib is not installed (pip install -e '.[bench]'): no plots", flush=True)
        return []
    written = []
    offline_results = results.get("offline") or []
    if offline_results:
        roles = [r["roles"] for r in offline_results]
        figure, axis = plt.subplots(figsize=(6.4, 4.2))
        axis.plot(roles, [r["scan"]["wall_min"] for r in offline_results], "o-",
                  label="rolescope scan --from (wall, min)")
        axis.plot(roles, [r["parse"]["wall_min"] for r in offline_results], "s--", label="parse floor: read + orjson")
        axis.plot(roles, [n / TARGET_ROLES_PER_SECOND for n in roles], ":", color="grey",
                  label=f"target: {TARGET_ROLES_PER_SECOND:,} roles/s")
        axis.set_xlabel("roles")
        axis.set_ylabel("seconds")
        axis.set_title("Offline scan time vs roles")
        if max(roles) / min(roles) >= 20:
            axis.set_xscale("log")
            axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
        axis.legend()
        figure.tight_layout()
        path = BENCH / "scaling_roles.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    live_results = results.get("live") or {}
    if live_results.get("runs"):
        from bench.live import plot_live

        written += plot_live(live_results, BENCH / "scaling_accounts.png", plt)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="rolescope benchmark")
    parser.add_argument("--big", action="store_true", help=f"offline sizes {', '.join(map(str, BIG_SIZES))} roles")
    parser.add_argument("--sizes", help="comma-separated role counts (overrides the default and --big)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (min and median reported)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-offline", action="store_true")
    parser.add_argument("--no-live", action="store_true")
    parser.add_argument("--live-accounts", default="5,10,20",
                        help="comma-separated account counts for the live benchmark (the largest is the headline)")
    parser.add_argument("--live-big", action="store_true", help="live benchmark for 50, 100 and 200 accounts")
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="round-trip latency added in front of moto")
    parser.add_argument("--live-roles", type=int, default=30, help="generated roles in each live account")
    parser.add_argument("--throttle", type=float, default=0.0,
                        help="share of the live IAM and STS requests answered Throttling (0 to 1)")
    parser.add_argument("--live-repeat", type=int, default=1, help="runs of each live scan (fastest and median)")
    parser.add_argument("--keep", action="store_true", help="keep the scan reports in bench/out/")
    parser.add_argument("--tag", help="names the results files (default: big or small)")
    parser.add_argument("--plot-only", nargs="+", type=Path, metavar="RESULTS",
                        help="redraw the plots from results files (offline from one, live from another)")
    args = parser.parse_args(argv)
    if args.plot_only:
        merged: dict[str, Any] = {}
        for path in args.plot_only:
            found = orjson.loads(path.read_bytes())
            merged.update({k: v for k, v in found.items() if k in ("offline", "live") and v})
        for path in plot(merged):
            print(f"[plot] {path.relative_to(ROOT)}")
        return
    tag = args.tag or ("big" if args.big or args.live_big else "small")
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "startup": startup(args.repeat)}
    started = time.perf_counter()
    if not args.no_offline:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(BIG_SIZES if args.big else SMALL_SIZES)
        results["offline"] = offline(sizes, args.repeat, args.seed, args.keep)
    if not args.no_live:
        from bench.live import live

        accounts = [50, 100, 200] if args.live_big else [int(a) for a in args.live_accounts.split(",")]
        results["live"] = live(accounts, [int(w) for w in args.workers.split(",")], args.latency_ms, args.seed,
                               args.live_roles, args.live_repeat, args.throttle)
    results["elapsed_seconds"] = time.perf_counter() - started
    (OUT / f"results-{tag}.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2, default=_default))
    report = render_report(results)
    (OUT / f"report-{tag}.md").write_text(report)
    for path in plot(results):
        print(f"[plot] {path.relative_to(ROOT)}")
    print()
    print(report)
    print(f"[bench] done in {results['elapsed_seconds']:.0f} s; raw numbers in bench/out/results-{tag}.json")


def _default(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    main()
