"""Plugin modules benchmark (run on demand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_modules.py [--runs 400]

A run of a plugin whose dependency closure is 10 plugins (each module about 200 lines, each
importing the next, the root importing the first and calling through all ten) against a
trivial run (``result = 1 + 1``), interleaved in one process so the machine's noise hits
both alike. Target (issue 15): closure p50 <= 1.5x the trivial run's p50. The closure run
repeats one closure, as a host application running one installation does, so after the first
its code objects wait unmarshaled in a primed spare (``sandbox.client``); a second part times
it with priming off, as the first run of a closure (or one not run lately) is.

Then the CPU time a run costs the whole process tree (this process, the zygote and its reaped
runs, from ``/proc``), in alternating batches of 50: on a busy machine the wall clock mostly
measures waiting for a core, the CPU time does not.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")

import django

django.setup()

from marketplace_site.types import PluginModule  # noqa: E402
from sandbox import client  # noqa: E402
from sandbox.services import SandboxService  # noqa: E402

PLUGINS = 10
FUNCTIONS = 40  # five lines each: about 200 lines per module


def module_source(index: int) -> str:
    """About 200 lines: ``FUNCTIONS`` small functions, and ``step`` calling the next plugin."""
    lines = [f"import plugin_{index + 1}" if index + 1 < PLUGINS else "", ""]
    for number in range(FUNCTIONS):
        lines += [
            f"def helper_{number}(values):",
            f"    total = sum(v * {number + 1} for v in values)",
            f"    label = 'helper_{number}:' + str(total)",
            "    return {'label': label, 'total': total}",
            "",
        ]
    call = f"plugin_{index + 1}.step(n + 1)" if index + 1 < PLUGINS else "n"
    lines += ["def step(n):", f"    helper_{index % FUNCTIONS}([n])", f"    return {call}", ""]
    return "\n".join(lines)


def closure() -> dict[str, PluginModule]:
    return {
        f"plugin_{i}": PluginModule(
            source=module_source(i),
            imports=frozenset({f"plugin_{i + 1}"}) if i + 1 < PLUGINS else frozenset(),
            plugin=f"plugin-{i}",
        )
        for i in range(PLUGINS)
    }


def tree_cpu_s(zygote_pid: int) -> float:
    """CPU seconds used so far by this process, the zygote and every process it reaped."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    total = usage.ru_utime + usage.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    pending = [zygote_pid]  # the zygote's first process; the serving one is its child
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15]) / tick  # u, s, cu, cs time
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text()
                pending += [int(child) for child in children.split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def cpu_per_run_ms(sandbox: SandboxService, run: Callable[[], object], count: int) -> float:
    before = tree_cpu_s(sandbox.zygote_pid())
    for _ in range(count):
        run()
    return (tree_cpu_s(sandbox.zygote_pid()) - before) / count * 1000


def interleaved_p50(
    runs: int, trivial_run: Callable[[], object], closure_run: Callable[[], object]
) -> tuple[float, float]:
    """The p50 wall times (ms) of ``runs`` trivial and closure runs, alternating."""
    trivial: list[float] = []
    with_modules: list[float] = []
    for _ in range(runs):
        for run, times in ((trivial_run, trivial), (closure_run, with_modules)):
            started = time.perf_counter()
            run()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(trivial), statistics.median(with_modules)


def report(p50_trivial: float, p50_modules: float, target: str = "") -> None:
    print(f"trivial run      p50 {p50_trivial:7.3f} ms")
    print(f"10-module run    p50 {p50_modules:7.3f} ms")
    print(f"ratio            {p50_modules / p50_trivial:7.2f}x{target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    sandbox = SandboxService()
    modules = closure()
    lines = sum(module.source.count("\n") + 1 for module in modules.values())
    root = "import plugin_0\nresult = plugin_0.step(0)"

    def trivial_run() -> object:
        return sandbox.run("result = 1 + 1")

    def closure_run() -> object:
        return sandbox.run(root, modules=modules, imports={"plugin_0"})

    check = sandbox.run(root, modules=modules, imports={"plugin_0"})
    assert check.output == PLUGINS - 1, check
    for _ in range(20):  # warm up both paths
        trivial_run()
        closure_run()
    print(
        f"closure: {PLUGINS} modules, {lines} lines in all; {args.runs} runs of each, interleaved"
    )
    report(*interleaved_p50(args.runs, trivial_run, closure_run), " (target <= 1.5x)")

    primed, client.MAX_PRIMED = client.MAX_PRIMED, 0
    closure_run()  # with priming off, this run's end lets the primed spare go
    print("priming off (each closure run unmarshals its code objects itself):")
    report(*interleaved_p50(args.runs, trivial_run, closure_run))
    client.MAX_PRIMED = primed

    cpu_trivial: list[float] = []
    cpu_modules: list[float] = []
    for _ in range(max(1, args.runs // 50)):
        cpu_trivial.append(cpu_per_run_ms(sandbox, trivial_run, 50))
        cpu_modules.append(cpu_per_run_ms(sandbox, closure_run, 50))
    trivial_cpu, modules_cpu = statistics.median(cpu_trivial), statistics.median(cpu_modules)
    print(f"CPU per run (whole process tree, median of {len(cpu_trivial)} batches of 50):")
    print(f"trivial run      {trivial_cpu:7.3f} ms")
    print(f"10-module run    {modules_cpu:7.3f} ms")
    print(f"ratio            {modules_cpu / trivial_cpu:7.2f}x")


if __name__ == "__main__":
    main()
