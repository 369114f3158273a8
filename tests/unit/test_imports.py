"""The packages under meetings/ import one way: down the layers of docs/architecture.md, never in a cycle.

Every import counts, at module level and inside functions. Only the factory (meetings/__init__.py) and
the command line (meetings/cli.py) may import everything.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "meetings"
WIRING = {"meetings/__init__.py", "meetings/cli.py"}

# Low to high; a package imports its own layer (sideways, without a cycle) or a lower one.
LAYERS = [
    {"core", "database", "errors", "extensions", "scheduler", "seed"},
    {"auth"},
    {"endpoints"},
    {"booking"},
    {"readiness", "attendance", "bridge", "notify", "mcu"},
    {"savings"},
    {"stats"},
    {"api", "home"},
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "meetings" and len(parts) > 1 else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str):
    """(line, imported module) for every import in the file (module `name`), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name.split(".")
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from meetings import notify` imports the package notify
                if module == "meetings":
                    yield node.lineno, f"meetings.{alias.name}"


def _edges():
    """(importing package, imported package, where) for every import between two packages."""
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent).as_posix()
        if relative in WIRING:
            continue
        name = _module_name(path)
        source = _package_of(name)
        for line, module in _imports(path, name):
            target = _package_of(module)
            if target and source and target != source:
                yield source, target, f"{relative}:{line} imports {module}"


def test_every_package_has_a_layer():
    packages = {p.name for p in ROOT.iterdir() if (p.is_dir() and (p / "__init__.py").exists())}
    packages |= {p.stem for p in ROOT.glob("*.py") if p.name not in ("__init__.py", "cli.py")}
    assert packages - LEVEL.keys() == set(), "add the new package to LAYERS and to docs/architecture.md"


def test_no_import_goes_up_the_layers():
    upward = [where for source, target, where in _edges() if LEVEL[target] > LEVEL[source]]
    assert upward == [], "imports against the layer order:\n" + "\n".join(upward)


def _cycles(graph: dict[str, dict[str, str]]) -> list[set[str]]:
    """The strongly connected groups of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(package: str) -> None:
        index[package] = low[package] = len(index)
        stack.append(package)
        for target in graph.get(package, {}):
            if target not in index:
                visit(target)
                low[package] = min(low[package], low[target])
            elif target in stack:
                low[package] = min(low[package], index[target])
        if low[package] == index[package]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == package:
                    break
            if len(group) > 1:
                groups.append(group)

    for package in sorted(graph):
        if package not in index:
            visit(package)
    return groups


def test_no_cycle_between_packages():
    graph: dict[str, dict[str, str]] = {}
    for source, target, where in _edges():
        graph.setdefault(source, {}).setdefault(target, where)
    report = [
        " ⇄ ".join(sorted(group)) + ":\n  " + "\n  ".join(
            where for source in sorted(group) for target, where in sorted(graph[source].items()) if target in group)
        for group in _cycles(graph)
    ]
    assert report == [], "import cycles between packages:\n" + "\n".join(report)


def test_the_walk_sees_function_level_and_relative_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import a\n\ndef f():\n    from meetings.booking import services\n"
                      "    from ..notify import jobs\n", encoding="utf-8")
    found = [name for _, name in _imports(module, "meetings.readiness.m")]
    assert found == ["a", "meetings.booking", "meetings.notify"]
    assert ("booking", "core") in {(source, target) for source, target, _ in _edges()}
