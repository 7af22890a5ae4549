"""Sandbox benchmark (run on demand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_sandbox.py [--runs 1000]

Measures a trivial plugin (``result = 1 + 1``) run through SandboxService: latency p50/p95
from one caller, throughput with 2 concurrent callers, and the wall time a 100 ms timeout
takes; beside it, in the same process, ``subprocess.run([python, "-I", "-S", "-c", code])``
as the baseline. Targets (issue 5): p50 <= 2 ms, >= 500 runs/s, 100 ms enforced in 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")

import django  # noqa: E402

django.setup()

from sandbox.services import SandboxService  # noqa: E402

CODE = "result = 1 + 1"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latencies(run: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def throughput(run: Callable[[], object], count: int, callers: int) -> float:
    per_caller = count // callers

    def work() -> None:
        for _ in range(per_caller):
            run()

    threads = [threading.Thread(target=work) for _ in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_caller * callers / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--baseline-runs", type=int, default=200)
    args = parser.parse_args()

    service = SandboxService()
    report = service.isolation()

    def sandboxed() -> None:
        result = service.run(CODE)
        if result.output != 2:
            raise SystemExit(f"wrong result: {result}")

    def baseline() -> None:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", f"{CODE}\nprint(result)"],
            capture_output=True,
            check=True,
        )
        if done.stdout.strip() != b"2":
            raise SystemExit("baseline produced a wrong result")

    latencies(sandboxed, 50)  # warm up: the zygote, its spares, the page cache
    sandbox_ms = latencies(sandboxed, args.runs)
    sandbox_rate = throughput(sandboxed, args.runs, callers=2)
    baseline_ms = latencies(baseline, args.baseline_runs)
    baseline_rate = throughput(baseline, args.baseline_runs, callers=2)

    walls = []
    for _ in range(10):
        started = time.perf_counter()
        result = service.run("import time\ntime.sleep(10)", timeout_ms=100)
        walls.append((time.perf_counter() - started) * 1000)
        if not result.timed_out:
            raise SystemExit(f"the timeout was not enforced: {result}")

    print(f"isolation: {report.level} ({', '.join(report.layers)})")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'':34} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'runs/s (2 callers)':>20}")
    for name, samples, rate, count in (
        ("SandboxService.run", sandbox_ms, sandbox_rate, args.runs),
        ("subprocess python -I -S (baseline)", baseline_ms, baseline_rate, args.baseline_runs),
    ):
        print(
            f"{name:34} {percentile(samples, 0.5):8.2f} {percentile(samples, 0.95):8.2f}"
            f" {statistics.fmean(samples):8.2f} {rate:20.0f}   (n={count})"
        )
    print()
    print(
        f"timeout 100 ms, wall ms over 10 runs: median {statistics.median(walls):.1f},"
        f" max {max(walls):.1f}"
    )
    print()
    print("targets: p50 <= 2 ms, >= 500 runs/s with 2 callers, 100 ms timeout within 150 ms")


if __name__ == "__main__":
    main()
