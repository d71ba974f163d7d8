"""The import layering of senhance, read from the source with ``ast`` (nothing is imported).

Three rules, checked on every module under ``senhance/`` (docs/ARCHITECTURE.md draws the layers):

* the graph of module-level imports between senhance modules has no cycle;
* no function-, method- or class-body import of a senhance module (a hidden dependency). Only
  optional heavy third-party packages (onnx, pesq, matplotlib, ...) may be imported on use;
* every import points down :data:`LAYERS` (or inside its own layer), and training and inference,
  side by side, do not import each other.

Imports under ``if TYPE_CHECKING:`` are ignored by all three rules. ``from senhance.x import y`` where
``y`` is a submodule is an import of ``senhance.x.y``; an import of a package is one of its
``__init__``; parent packages are not counted (Python has them in ``sys.modules`` already, half
initialised, when a child module runs).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]

#: senhance's top-level modules and packages, lowest layer first; a module may import its own layer and those
#: below. ``senhance`` is the package's ``__init__`` (the public ``senhance.load``), at the top with the commands.
LAYERS = (
    ("errors", "torch_pair", "version", "atomic", "shapes"),  # stdlib / numpy / torch only
    ("io",),
    ("dsp",),
    ("data", "models", "losses", "metrics"),
    ("checkpoint",),
    ("train", "enhancer", "inference", "enhance", "baselines", "registry"),
    ("evaluation",),
    ("cli", "demo", "senhance"),
)
#: parts of one layer that must not import each other (the training loop and the enhancement path)
SIBLINGS_APART = ({"train"}, {"enhancer", "inference", "enhance", "baselines", "registry"})


@dataclass(frozen=True)
class Import:
    """One import statement's target: ``module`` imports ``target`` at ``path:line``."""

    module: str
    target: str
    path: Path
    line: int
    local: bool  # inside a function, method or class body


def module_names(package_dir: Path) -> dict[str, Path]:
    """``{"pkg.sub.mod": path}`` for every ``.py`` file under ``package_dir`` (a package's name maps
    to its ``__init__.py``)."""
    if not (package_dir / "__init__.py").is_file():
        raise ValueError(f"{package_dir}: not a package (no __init__.py)")
    names = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = (package_dir.name, *path.relative_to(package_dir).with_suffix("").parts)
        if "__pycache__" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.Module):
    """Yield ``(node, local)`` for every import statement, skipping ``if TYPE_CHECKING:`` bodies."""
    stack = [(node, False) for node in reversed(tree.body)]
    while stack:
        node, local = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, local
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            children = node.orelse
        else:
            children = list(ast.iter_child_nodes(node))
        inner = local or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
        stack.extend((child, inner) for child in reversed(children))


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of the dotted ``name`` that is a module of the package (None: not ours)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _base_of_relative(module: str, path: Path, level: int) -> str:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    if level - 1 >= len(parts):
        raise ValueError(f"{path}: relative import beyond the top-level package")
    return ".".join(parts[: len(parts) - (level - 1)])


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of a module in ``modules`` made by ``module`` (the file ``path``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node, local in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [_resolve(alias.name, modules) for alias in node.names]
        else:
            base = _base_of_relative(module, path, node.level) if node.level else ""
            source = ".".join(part for part in (base, node.module or "") if part)
            targets = []
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                targets.append(submodule if submodule in modules else _resolve(source, modules))
        found.extend(Import(module, target, path, node.lineno, local) for target in targets if target is not None)
    return found


def package_imports(package_dir: Path) -> list[Import]:
    """All imports between the modules of the package at ``package_dir``."""
    modules = module_names(package_dir)
    return [item for name, path in modules.items() for item in imports_of(name, path, modules)]


def find_cycles(imports: list[Import]) -> list[list[Import]]:
    """One cycle (a closed chain of module-level imports) per strongly connected component."""
    edges: dict[str, dict[str, Import]] = {}
    for item in imports:
        if not item.local:
            edges.setdefault(item.module, {}).setdefault(item.target, item)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack, stack, components = set(), [], []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, {}):
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_cycle_in(sorted(component)[0], component, edges) for component in components]


def _cycle_in(start: str, component: set[str], edges: dict[str, dict[str, Import]]) -> list[Import]:
    """A shortest closed chain of imports from ``start`` back to it inside ``component`` (BFS)."""
    came_from: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, item in sorted(edges.get(node, {}).items()):
                if target not in component:
                    continue
                if target == start:
                    chain = [item]
                    while chain[0].module != start:
                        chain.insert(0, came_from[chain[0].module])
                    return chain
                if target not in came_from:
                    came_from[target] = item
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start}: no cycle inside its strongly connected component")


def describe_cycle(chain: list[Import]) -> str:
    """``a -> b -> a`` followed by where each import is written."""
    names = " -> ".join([chain[0].module, *(item.target for item in chain)])
    where = "; ".join(f"{item.module} imports {item.target} at {_relative(item.path)}:{item.line}" for item in chain)
    return f"{names}  ({where})"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPOSITORY))
    except ValueError:
        return str(path)


def local_imports(imports: list[Import]) -> list[str]:
    """``file:line: module imports target`` for every function-, method- or class-body import."""
    lines = (f"{_relative(item.path)}:{item.line}: {item.module} imports {item.target} inside a function or class"
             for item in imports if item.local)
    return list(dict.fromkeys(lines))  # one line per statement and target


def part_of(module: str) -> str:
    """The top-level part of ``senhance.x.y`` (``x``); the package's ``__init__`` is ``senhance``."""
    return module.split(".")[1] if "." in module else module


def layer_violations(imports: list[Import], layers=LAYERS, apart=SIBLINGS_APART) -> list[str]:
    """``file:line: a imports b`` for every import (module-level or not) that points up the layers or across
    a pair kept apart; a module of no layer is reported too."""
    rank = {part: index for index, parts in enumerate(layers) for part in parts}
    found = []
    for item in imports:
        source, target = part_of(item.module), part_of(item.target)
        where = f"{_relative(item.path)}:{item.line}: {item.module} imports {item.target}"
        if source not in rank or target not in rank:
            missing = source if source not in rank else target
            found.append(f"{where}: {missing!r} is in no layer (add it to LAYERS in tests/test_import_graph.py)")
        elif rank[source] < rank[target]:
            found.append(f"{where}: layer {rank[source]} ({source}) imports layer {rank[target]} ({target})")
        elif source != target and any(source in a and target in b for a in apart for b in apart if a is not b):
            found.append(f"{where}: {source} and {target} are kept apart")
    return list(dict.fromkeys(found))


# --- the checker on small synthetic packages --------------------------------------------------

def _write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_a_three_module_cycle_is_found_and_printed_as_a_chain(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "import os\nfrom pkg.b import thing\n",
        "pkg/b.py": "from . import c\n",
        "pkg/c.py": "\n\nimport pkg.a as alias\n",
        "pkg/d.py": "from pkg import a\n",  # points into the cycle, is not part of it
    })
    cycles = find_cycles(package_imports(package))
    assert len(cycles) == 1
    assert [item.module for item in cycles[0]] == ["pkg.a", "pkg.b", "pkg.c"]
    assert [item.target for item in cycles[0]] == ["pkg.b", "pkg.c", "pkg.a"]
    text = describe_cycle(cycles[0])
    assert text.startswith("pkg.a -> pkg.b -> pkg.c -> pkg.a")
    assert "pkg.c imports pkg.a at " in text and "c.py:3" in text


def test_a_package_init_and_a_self_import_count_as_modules(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "from pkg.sub.leaf import x\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/leaf.py": "from .. import helper\nimport pkg\n",  # pkg is its __init__
        "pkg/helper.py": "from pkg.helper import y\n",  # a module importing itself
    })
    cycles = sorted((describe_cycle(cycle).split("  ")[0] for cycle in find_cycles(package_imports(package))))
    assert cycles == ["pkg -> pkg.sub.leaf -> pkg", "pkg.helper -> pkg.helper"]


def test_a_clean_layered_graph_passes(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "from pkg.top import run\n",
        "pkg/low.py": "import json\n",
        "pkg/mid.py": "from pkg.low import x\nfrom pkg import low\n",
        "pkg/top.py": "from pkg.mid import y\nfrom .low import z\n"
                      "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import top\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "from ..mid import y\nfrom . import __name__ as n\n",
    })
    imports = package_imports(package)
    assert find_cycles(imports) == []
    assert local_imports(imports) == []
    edges = {(item.module, item.target) for item in imports}
    assert {("pkg.mid", "pkg.low"), ("pkg.top", "pkg.low"), ("pkg.sub.deep", "pkg.mid"), ("pkg.sub.deep", "pkg.sub")} <= edges
    assert ("pkg.top", "pkg.top") not in edges  # the TYPE_CHECKING import is not an edge


def test_function_method_and_class_body_imports_are_reported_with_file_and_line(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low.py": "",
        "pkg/user.py": ("import os\n"
                        "def f():\n    import onnx\n    from pkg.low import x\n"
                        "class K:\n    from pkg import low\n    def m(self):\n        from . import low\n"
                        "g = lambda: __import__('os')\n"),
    })
    reported = local_imports(package_imports(package))
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in reported] == ["user.py:4", "user.py:6", "user.py:8"]
    assert all("pkg.user imports pkg.low" in line for line in reported)


def test_a_local_import_does_not_make_a_cycle(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def f():\n    from pkg import a\n",
    })
    imports = package_imports(package)
    assert find_cycles(imports) == []
    assert len(local_imports(imports)) == 1


def test_a_relative_import_beyond_the_package_is_a_clear_error(tmp_path):
    package = _write_package(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from ... import x\n"})
    try:
        package_imports(package)
    except ValueError as error:
        assert "a.py: relative import beyond the top-level package" in str(error)
    else:
        raise AssertionError("a relative import above the package was accepted")


def test_an_upward_import_a_crossing_and_an_unknown_part_are_reported(tmp_path):
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low.py": "def f():\n    from pkg import high\n",  # local imports count here too
        "pkg/high.py": "from pkg import low\n",
        "pkg/left.py": "from pkg import right\n",
        "pkg/right.py": "from pkg import low\n",
        "pkg/stray.py": "from pkg import low\n",
    })
    layers = (("low",), ("left", "right", "high"), ("pkg",))
    reported = layer_violations(package_imports(package), layers, ({"left"}, {"right"}))
    assert [line.split(": ", 1)[1] for line in reported] == [
        "pkg.left imports pkg.right: left and right are kept apart",
        "pkg.low imports pkg.high: layer 0 (low) imports layer 1 (high)",
        "pkg.stray imports pkg.low: 'stray' is in no layer (add it to LAYERS in tests/test_import_graph.py)",
    ]
    assert reported[1].split(": ")[0].endswith("low.py:2")


# --- senhance itself -----------------------------------------------------------------------------

def test_senhance_has_no_import_cycle():
    cycles = find_cycles(package_imports(REPOSITORY / "senhance"))
    assert not cycles, "import cycles in senhance/:\n" + "\n".join(describe_cycle(cycle) for cycle in cycles)


def test_senhance_imports_its_own_modules_only_at_module_level():
    reported = local_imports(package_imports(REPOSITORY / "senhance"))
    assert not reported, "function-local imports of senhance modules (move them to the top):\n" + "\n".join(reported)


def test_senhance_imports_point_down_its_layers():
    reported = layer_violations(package_imports(REPOSITORY / "senhance"))
    assert not reported, "imports against the layering (docs/ARCHITECTURE.md):\n" + "\n".join(reported)
