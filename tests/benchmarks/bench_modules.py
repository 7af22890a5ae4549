"""Plugin modules benchmark (run on demand, not collected by pytest).

    .venv/bin/python tests/benchmarks/bench_modules.py [--runs 400]

A run of a plugin whose dependency closure is 10 plugins (each module about 200 lines, each
importing the next, the root importing the first and calling through all ten) against a
trivial run (``result = 1 + 1``), interleaved in one process so the machine's noise hits
both alike. Target (issue 15): closure p50 <= 1.5x the trivial run's p50.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")

import django

django.setup()

from marketplace_site.types import PluginModule  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    sandbox = SandboxService()
    modules = closure()
    lines = sum(module.source.count("\n") + 1 for module in modules.values())
    root = "import plugin_0\nresult = plugin_0.step(0)"
    check = sandbox.run(root, modules=modules, imports={"plugin_0"})
    assert check.output == PLUGINS - 1, check
    for _ in range(20):  # warm up both paths
        sandbox.run("result = 1 + 1")
        sandbox.run(root, modules=modules, imports={"plugin_0"})
    trivial: list[float] = []
    with_modules: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        sandbox.run("result = 1 + 1")
        trivial.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        sandbox.run(root, modules=modules, imports={"plugin_0"})
        with_modules.append((time.perf_counter() - started) * 1000)
    p50_trivial = statistics.median(trivial)
    p50_modules = statistics.median(with_modules)
    print(
        f"closure: {PLUGINS} modules, {lines} lines in all; {args.runs} runs of each, interleaved"
    )
    print(f"trivial run      p50 {p50_trivial:7.3f} ms")
    print(f"10-module run    p50 {p50_modules:7.3f} ms")
    print(f"ratio            {p50_modules / p50_trivial:7.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
