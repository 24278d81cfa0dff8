"""rolescope's benchmark: ``make bench`` (small sizes) or ``python bench/run.py --big`` / ``--huge``.

Offline (:mod:`bench.offline`): generated organisations of two shapes (:mod:`bench.generate`: ``mixed``,
~250 roles an account; ``dense``, the ~1,000-2,000-role accounts full of admins and root trusts of
issue 10), each scanned as a user scans them, against the parse floor; time, peak memory (``wait4``,
and the whole process tree sampled), report size. Live: see :mod:`bench.live`.

Results go to ``bench/out/results-<tag>.json`` and ``report-<tag>.md`` (tag: small, big, huge or
``--tag``), plots to ``bench/*.png``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.measure import summary, timed  # noqa: E402
from bench.offline import (  # noqa: E402
    BENCH,
    MEMORY_LIMIT_GB,
    OUT,
    SHAPES,
    SIZE_SETS,
    Options,
    Size,
    offline,
    parse_sizes,
    plot_offline,
    render_offline,
    rolescope_command,
    size_set,
)

TARGET_ROLES_PER_SECOND = 25_000


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
        lines += render_offline(results["offline"])
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
    if results.get("offline"):
        written += plot_offline(results["offline"], BENCH / "scaling_roles.png", plt, TARGET_ROLES_PER_SECOND)
    live_results = results.get("live") or {}
    if live_results.get("runs"):
        from bench.live import plot_live

        written += plot_live(live_results, BENCH / "scaling_accounts.png", plt)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="rolescope benchmark")
    sets = {name: "; ".join(f"{shape} {sizes}" for shape, sizes in by_shape.items())
            for name, by_shape in SIZE_SETS.items()}
    parser.add_argument("--shape", default=",".join(SHAPES),
                        help=f"comma-separated shapes of the offline sizes: {', '.join(SHAPES)} (default: both)")
    parser.add_argument("--big", action="store_true", help=f"offline sizes {sets['big']}")
    parser.add_argument("--huge", action="store_true", help=f"offline sizes {sets['huge']} (several GB of JSON)")
    parser.add_argument("--sizes", help="comma-separated sizes, ROLES or ROLESxACCOUNTS, for each --shape "
                        f"(overrides the default {sets['small']}, and --big/--huge)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (min and median reported)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float,
                        help="seconds before a scan is stopped and recorded as not finished "
                             "(default: 120, or 1 ms a role when that is longer)")
    parser.add_argument("--memory-limit-gb", type=float, default=MEMORY_LIMIT_GB,
                        help="address-space limit of each scan process, so a scan that would exhaust this shared "
                             "machine fails instead (0: none; default %(default)s)")
    parser.add_argument("--scan-args", default="",
                        help='extra arguments for every offline scan, e.g. --scan-args="--jobs 2"')
    parser.add_argument("--no-phases", action="store_true", help="skip the in-process phase breakdown")
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
    parser.add_argument("--tag", help="names the results files (default: huge, big or small)")
    parser.add_argument("--plot-only", nargs="+", type=Path, metavar="RESULTS",
                        help="redraw the plots from results files (offline sizes from all of them, live from the last)")
    return parser


def _offline_plan(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[list[Size], Options]:
    shapes = [s.strip() for s in args.shape.split(",") if s.strip()]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown or not shapes:
        parser.error(f"--shape: {', '.join(unknown) or 'nothing'} is not a shape ({', '.join(SHAPES)})")
    try:
        scan_args = tuple(shlex.split(args.scan_args))
        if args.sizes:
            sizes = parse_sizes(args.sizes, shapes)
        else:
            chosen = [name for name, wanted in (("big", args.big), ("huge", args.huge)) if wanted] or ["small"]
            sizes = [size for name in chosen for size in size_set(name, shapes)]
    except ValueError as error:
        parser.error(str(error))
    options = Options(repeat=args.repeat, seed=args.seed, keep=args.keep, timeout=args.timeout,
                      memory_limit_gb=args.memory_limit_gb, scan_args=scan_args, phases=not args.no_phases)
    return sizes, options


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.plot_only:
        merged: dict[str, Any] = {}
        rows: dict[tuple[str, int, int], Any] = {}  # offline sizes from every file, a later file's winning
        for path in args.plot_only:
            found = orjson.loads(path.read_bytes())
            for row in found.get("offline") or ():
                rows[(row.get("shape", "mixed"), row["roles"], row["accounts"])] = row
            if found.get("live"):
                merged["live"] = found["live"]
        merged["offline"] = list(rows.values())
        for path in plot(merged):
            print(f"[plot] {path.relative_to(ROOT)}")
        return
    sizes, options = _offline_plan(args, parser)
    tag = args.tag or ("huge" if args.huge else "big" if args.big or args.live_big else "small")
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "startup": startup(args.repeat)}
    started = time.perf_counter()
    if not args.no_offline:
        results["offline_options"] = asdict(options)
        results["offline"] = offline(sizes, options)
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
