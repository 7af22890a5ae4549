"""Sandbox benchmark (run on demand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_sandbox.py [--runs 1000] [--layers]

Measures a trivial plugin (``result = 1 + 1``) run through SandboxService: latency p50/p95
from one caller, throughput with 2 concurrent callers, and the wall time a 100 ms timeout
takes; beside it, in the same process, ``subprocess.run([python, "-I", "-S", "-c", code])``
as the baseline. Targets (issues 5 and 13): p50 <= 2 ms (aim: 1 ms), >= 500 runs/s,
100 ms enforced in 150 ms.

``--layers`` adds the cost of each layer of issue 13, A/B in this one process: runs with
every layer and with one layer off (interleaved in rounds, so the machine's noise hits
every variant alike); the strict check of a result document against a plain
``json.loads``; and, for the per-run isolation not chosen, what a fork costs with a fresh
IPC or PID namespace of its own (root only).

``--against CHECKOUT`` compares this checkout with another (an older commit, say) in one
run: two worker processes (this script with ``--worker ROOT``), each with its own warm
zygote, driven alternately in batches, for the trivial run and for a 100 ms timeout.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

# A worker (see --against) imports the sandbox of the checkout it is given.
ROOT = (
    Path(sys.argv[sys.argv.index("--worker") + 1])
    if "--worker" in sys.argv
    else Path(__file__).resolve().parents[2]
)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")

import django  # noqa: E402

django.setup()

from sandbox.services import RESULT_CAP, SandboxService  # noqa: E402

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


# Variant -> layers switched off. "uid" off: every run shares uid 0 (no capabilities) instead
# of a uid of its own; "seccomp" off: no allow-list at all.
VARIANTS: dict[str, set[str]] = {
    "every layer": set(),
    "without the per-run uid": {"uid"},
    "without seccomp": {"seccomp"},
}


def layer_costs(runs: int, rounds: int = 5) -> None:
    services = {name: SandboxService(disable_layers=off) for name, off in VARIANTS.items()}
    samples: dict[str, list[float]] = {name: [] for name in services}
    for service in services.values():
        latencies(functools.partial(service.run, CODE), 50)  # warm up
    for _ in range(rounds):
        for name, service in services.items():
            samples[name] += latencies(functools.partial(service.run, CODE), runs // rounds)
    print(f"{'layer A/B (interleaved)':34} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in samples.items():
        print(f"{name:34} {percentile(values, 0.5):8.3f} {percentile(values, 0.95):8.3f}")
    print()


def result_check_cost(count: int = 20000) -> None:
    from sandbox.results import parse_document

    data = (
        b'{"output": 2, "ok": true, "error": null, "stdout": "", "stdout_truncated": false,'
        b' "maxrss_kb": 14000}'
    )
    plain = latencies(lambda: json.loads(data), count)
    strict = latencies(lambda: parse_document(data, result_cap=RESULT_CAP), count)
    print(
        f"result document: json.loads p50 {percentile(plain, 0.5) * 1000:.1f} us, "
        f"strict check p50 {percentile(strict, 0.5) * 1000:.1f} us"
    )


# Run in a fresh `python -I -S` (about the zygote's size, not the web process's): fork+exit+wait
# alone, with unshare(CLONE_NEWIPC) in the child, and with unshare(CLONE_NEWPID) plus the
# second fork a new PID namespace needs (only children forked after it are inside).
FORK_PROBE = """
import ctypes, json, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def forked(flag, inner_fork):
    pid = os.fork()
    if pid == 0:
        status = 0
        if flag and libc.unshare(flag) != 0:
            status = 1
        elif inner_fork:
            child = os.fork()
            if child == 0:
                os._exit(0)
            os.waitpid(child, 0)
        os._exit(status)
    return os.waitpid(pid, 0)[1] == 0
variants = {"fork": (0, False), "fork + IPC namespace": (0x08000000, False),
            "fork + PID namespace + fork": (0x20000000, True)}
samples = {name: [] for name in variants}
for _ in range(5):
    for name, (flag, inner) in variants.items():
        for _ in range(int(sys.argv[1]) // 5):
            started = time.perf_counter()
            if not forked(flag, inner):
                print(json.dumps({"error": "unshare refused (not root?)"}))
                sys.exit()
            samples[name].append((time.perf_counter() - started) * 1000)
print(json.dumps(samples))
"""


def namespace_fork_cost(count: int = 300) -> None:
    """What the per-run isolations not chosen would add to each spare's fork, A/B."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", FORK_PROBE, str(count)],
        capture_output=True,
        check=True,
        text=True,
    )
    samples = json.loads(done.stdout)
    if "error" in samples:
        print(f"namespace cost not measured: {samples['error']}")
        return
    for name, values in samples.items():
        print(f"{name:34} p50 {percentile(values, 0.5):.3f} ms")


TIMEOUT_CODE = "import time\ntime.sleep(10)"


def worker() -> None:
    """Serve "<run|timeout> <count>" lines on stdin: one JSON list of latencies per line."""
    service = SandboxService()
    latencies(lambda: service.run(CODE), 50)
    print("ready", flush=True)
    for line in sys.stdin:
        kind, count = line.split()
        if kind == "timeout":
            samples = latencies(lambda: service.run(TIMEOUT_CODE, timeout_ms=100), int(count))
        else:
            samples = latencies(lambda: service.run(CODE), int(count))
        print(json.dumps(samples), flush=True)


def against(other: Path, rounds: int = 10, batch: int = 50) -> None:
    """This checkout against ``other``, interleaved in batches, one worker process each."""
    roots = {"this checkout": ROOT, str(other): other.resolve()}
    workers = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--worker", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for name, root in roots.items()
    }
    for process in workers.values():
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise SystemExit("a worker did not start")
    for kind, count, size in (("run", rounds, batch), ("timeout", rounds // 2, 5)):
        samples: dict[str, list[float]] = {name: [] for name in workers}
        for _ in range(count):
            for name, process in workers.items():
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(f"{kind} {size}\n")
                process.stdin.flush()
                samples[name] += json.loads(process.stdout.readline())
        for name, values in samples.items():
            print(
                f"{kind:8} {name:40} p50 {percentile(values, 0.5):8.2f} ms"
                f"  p95 {percentile(values, 0.95):8.2f} ms  max {max(values):8.1f} ms"
                f"  (n={len(values)})"
            )
    for process in workers.values():
        assert process.stdin is not None
        process.stdin.close()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--baseline-runs", type=int, default=200)
    parser.add_argument("--layers", action="store_true", help="the cost of each layer, A/B")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.against:
        against(args.against)
        return

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
    if args.layers:
        print()
        layer_costs(args.runs)
        result_check_cost()
        namespace_fork_cost()


if __name__ == "__main__":
    main()
