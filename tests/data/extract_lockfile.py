"""Extract the dependency graph an npm package-lock.json (lockfile v2/v3) installed.

    python tests/data/extract_lockfile.py package-lock.json SOURCE COMMIT > tests/data/NAME.json

Output, compact JSON: ``source`` and ``commit`` (where the lockfile comes from);
``packages``: name -> version -> {dependency: range} for every installed package;
``edges``: [dependent, its version, dependency, range, installed version] for every
dependency npm installed, found as Node.js finds it (the nearest ``node_modules`` up the
tree). Edges whose spec is not a semver range (``npm:`` aliases, ``file:``, git and URL
specs, workspace links) and optional or peer dependencies left uninstalled are left out.
"""

from __future__ import annotations

import json
import sys
from typing import Any

KINDS = ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies")
NOT_A_RANGE = ("npm:", "file:", "link:", "git", "http:", "https:", "github:", "workspace:")


def package_name(path: str, entry: dict[str, Any]) -> str:
    if "node_modules/" not in path:
        return str(entry.get("name", path or "root"))
    return path.rsplit("node_modules/", 1)[1]


def installed_at(packages: dict[str, Any], path: str, dependency: str) -> str | None:
    """The lockfile path Node.js loads ``dependency`` from, for code at ``path``."""
    base = path
    while True:
        candidate = f"{base}/node_modules/{dependency}" if base else f"node_modules/{dependency}"
        if candidate in packages and not packages[candidate].get("link"):
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def extract(lock: dict[str, Any]) -> dict[str, Any]:
    packages: dict[str, Any] = lock["packages"]
    graph: dict[str, dict[str, dict[str, str]]] = {}
    edges: list[list[str]] = []
    for path, entry in sorted(packages.items()):
        if entry.get("link") or "version" not in entry:
            continue
        name, version = package_name(path, entry), entry["version"]
        # devDependencies count for the lockfile's own root and workspaces only: npm does
        # not install a dependency's dev dependencies.
        kinds = KINDS if "node_modules/" not in path else KINDS[:3]
        needs: dict[str, str] = {}
        for kind in kinds:
            for dependency, spec in entry.get(kind, {}).items():
                if spec.startswith(NOT_A_RANGE) or "/" in spec:
                    continue
                where = installed_at(packages, path, dependency)
                if where is None or packages[where].get("name", dependency) != dependency:
                    continue  # an optional or peer dependency npm did not install
                needs.setdefault(dependency, spec)
                edges.append([name, version, dependency, spec, packages[where]["version"]])
        graph.setdefault(name, {})[version] = needs
    return {"packages": graph, "edges": edges}


def main(argv: list[str]) -> int:
    lock_path, source, commit = argv
    with open(lock_path, encoding="utf-8") as handle:
        lock = json.load(handle)
    out = {"source": source, "commit": commit, **extract(lock)}
    json.dump(out, sys.stdout, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
