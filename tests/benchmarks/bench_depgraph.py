"""Benchmark of the dependency graph (run on demand; pytest does not collect it).

    .venv/bin/python tests/benchmarks/bench_depgraph.py [--repeat 5]

Sets up Django on a temporary SQLite database. The graph questions run over an in-memory
provider (one version per plugin), so they measure the graph work, not a database; the
"used by" questions run against the real index table. Target: each under 100 ms.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0


class FlatProvider:
    """A GraphProvider with one version (1.0.0) of each plugin."""

    def __init__(self, graph: Mapping[str, list[str]]) -> None:
        self.graph = {name: dict.fromkeys(deps, ">=1") for name, deps in graph.items()}

    def versions(self, name: str) -> list[str]:
        return ["1.0.0"] if name in self.graph else []

    def dependencies(self, name: str, version: str) -> Mapping[str, str]:
        return self.graph[name]

    def chosen_version(self, name: str, constraint: str | None) -> str | None:
        return "1.0.0" if name in self.graph else None


def random_dag(plugins: int, edges: int, seed: int, window: int = 400) -> dict[str, list[str]]:
    """``plugins`` names with ``edges`` dependencies, each on one of the next ``window``
    plugins (so the graph is acyclic, with many diamonds, and the first plugin depends on
    nearly all the others)."""
    rng = random.Random(seed)
    names = [f"plugin-{number:05d}" for number in range(plugins)]
    deps: dict[str, set[str]] = {name: set() for name in names}
    total = 0
    while total < edges:
        low = rng.randrange(plugins - 1)
        high = rng.randrange(low + 1, min(plugins, low + 1 + window))
        if names[high] not in deps[names[low]]:
            deps[names[low]].add(names[high])
            total += 1
    return {name: sorted(d) for name, d in deps.items()}


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(best wall ms, median wall ms, median CPU ms) over ``repeat`` runs.

    As ``timeit`` does, the garbage collector is off while a run is timed.
    """
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            function()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        finally:
            gc.enable()
    return min(wall), statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-depgraph-")
    os.environ["SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from depgraph import selectors
    from depgraph.models import DependencyEdge
    from depgraph.services import DependencyGraphService
    from depgraph.tree import lay_out

    rows: list[tuple[str, str, float, float, float, str]] = []

    def record(name: str, size: str, function: Callable[[], object], note: str) -> None:
        rows.append((name, size, *timed(function, args.repeat), note))

    # 10,000 plugins, 50,000 edges.
    big = random_dag(10_000, 50_000, seed=7)
    service = DependencyGraphService(FlatProvider(big))
    names = sorted(big)
    size = "10,000 plugins / 50,000 edges"
    order = service.topological_order(names)
    record(
        "topological_order(all)",
        size,
        lambda: service.topological_order(names),
        f"{len(order)} names",
    )
    flat = service.flatten(names[0])
    record(
        "flatten(first plugin)",
        size,
        lambda: service.flatten(names[0]),
        f"{len(flat)} dependencies",
    )

    # A plugin with over 500 transitive dependencies (2,500 edges, many diamonds).
    medium = random_dag(540, 2_500, seed=11, window=60)
    tree_service = DependencyGraphService(FlatProvider(medium))
    root = sorted(medium)[0]
    count = len(tree_service.flatten(root))
    size = f"{count} transitive deps / 2,500 edges"
    record("build_tree(root)", size, lambda: tree_service.build_tree(root), "subtrees shared")
    tree = tree_service.build_tree(root)
    layout = lay_out(tree)
    record("lay_out(tree), for the page", size, lambda: lay_out(tree), f"{len(layout.rows)} rows")

    # 5,000 plugins that depend on "core" (two versions each: 10,000 edges), plus noise.
    edges = []
    for number in range(5_000):
        for version in ("1.0.0", "2.0.0"):
            edges.append(
                DependencyEdge(
                    plugin_name=f"user-{number:05d}",
                    plugin_display_name=f"user-{number:05d}",
                    version=version,
                    dependency_name="core",
                    dependency_display_name="core",
                    constraint=">=1" if version == "1.0.0" else "^2",
                )
            )
    for name, deps in big.items():
        for dep in deps:
            edges.append(
                DependencyEdge(
                    plugin_name=name,
                    plugin_display_name=name,
                    version="1.0.0",
                    dependency_name=dep,
                    dependency_display_name=dep,
                    constraint=">=1",
                )
            )
    DependencyEdge.objects.bulk_create(edges, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    size = "5,000 dependents / 60,000 edges in the table"
    record("dependents_count(core)", size, lambda: selectors.dependents_count("core"), "5000")
    record(
        "dependents(core) page 126",
        size,
        lambda: selectors.dependents("core", offset=2_500, limit=20),
        "20 plugins",
    )
    record(
        "dependents(core) all",
        size,
        lambda: selectors.dependents("core"),
        "5000 plugins",
    )

    width = max(len(row[0]) for row in rows)
    size_width = max(len(row[1]) for row in rows)
    print(f"\nRuns per figure: {args.repeat}; target: under {TARGET_MS:.0f} ms each (median).\n")
    header = (
        f"{'benchmark':<{width}}  {'size':<{size_width}}  {'best ms':>8}  {'median':>8}"
        f"  {'CPU ms':>8}  ok"
    )
    print(header)
    print("-" * len(header))
    for name, size_text, best, median, cpu, note in rows:
        verdict = "yes" if median < TARGET_MS else "NO"
        print(
            f"{name:<{width}}  {size_text:<{size_width}}  {best:8.1f}  {median:8.1f}  {cpu:8.1f}"
            f"  {verdict}  ({note})"
        )


if __name__ == "__main__":
    main()
