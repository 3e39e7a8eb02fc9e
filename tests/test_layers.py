"""The package's folders are stages, and imports go one way: down the list in `LAYERS`.

A module may import from its own stage or a stage listed before it, never from one after it,
and no chain of imports may lead back to where it started — function-level imports included,
since a cycle hidden inside a function is still a cycle (it only fails later, and at random).
The test reads the source with `ast`, so it sees every import without running any of them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "evalkit"

# Bottom first. The order is the dependency order, which is the data flow's except where a
# stage must know the names of a lower one: loading a suite checks its scorer and client
# settings, so `suite` sits above `clients` and `scorers`.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "values", "errors", "common"),  # the vocabulary and shared helpers
    ("_i18n",),  # the wording of reasons, per language
    ("clients",),  # the model seam
    ("scorers",),  # the model judge calls a model through the client seam
    ("verdict",),  # aggregate, intervals, the verdict rules
    ("suite",),  # load and validate suite files
    ("results",),  # write and read result folders
    ("run",),  # expand, execute, merge shards
    ("review",),  # human reviews of a result folder
    ("compare",),  # two result folders side by side
    ("report",),  # Markdown, HTML, JUnit
    ("testing",),  # the loopback test server
    ("cli", "__main__"),  # the only code that prints or exits
)
RANK = {stage: rank for rank, stages in enumerate(LAYERS) for stage in stages}


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement of an evalkit module: where it is and which module it names."""

    source: str
    target: str
    line: int
    names: tuple[str, ...] = ()


def module_name(path: Path) -> str:
    parts = ["evalkit", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """Every evalkit module that `path` imports, at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from evalkit.x import y` names the module evalkit.x.y when there is one.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        names = (
            tuple(alias.name for alias in node.names) if isinstance(node, ast.ImportFrom) else ()
        )
        found += [
            Import(name, t, node.lineno, names) for t in targets if t.split(".")[0] == "evalkit"
        ]
    return found


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def all_imports() -> list[Import]:
    found = modules()
    return [imp for name, path in found.items() for imp in imports_of(name, path, set(found))]


def test_every_module_belongs_to_a_stage() -> None:
    unknown = sorted({stage(name) for name in modules()} - set(RANK))
    assert not unknown, f"add these to LAYERS in tests/test_layers.py: {unknown}"


def test_imports_go_down_the_stages() -> None:
    upward = [
        f"{modules()[imp.source].relative_to(PACKAGE.parent)}:{imp.line} imports {imp.target}"
        f" ({stage(imp.target)} is above {stage(imp.source)})"
        for imp in all_imports()
        if RANK[stage(imp.target)] > RANK[stage(imp.source)]
    ]
    assert not upward, "\n".join(upward)


def test_private_names_stay_in_their_stage() -> None:
    """`_name` is a promise to change freely; another stage relying on it breaks that."""
    borrowed = [
        f"{modules()[imp.source].relative_to(PACKAGE.parent)}:{imp.line} imports {name}"
        f" from {imp.target} (make it public, or move it)"
        for imp in all_imports()
        if stage(imp.target) != stage(imp.source)
        for name in imp.names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not borrowed, "\n".join(borrowed)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def import_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for imp in all_imports():
        if imp.target != imp.source:
            edges.setdefault(imp.source, set()).add(imp.target)
    return edges


def test_no_module_imports_itself_back_through_others() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(group) for group in found)


def test_the_cycle_finder_finds_a_cycle_hidden_three_modules_deep() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


@pytest.mark.parametrize(
    ("source", "code", "target"),
    [
        ("evalkit.scorers._judge", "from evalkit.suite.render import x", "evalkit.suite.render"),
        ("evalkit.suite.positions", "def f():\n    from . import json_lines", "evalkit.suite"),
        ("evalkit.run.engine", "import evalkit.cli", "evalkit.cli"),
    ],
)
def test_imports_are_read_at_any_depth_and_relative_ones_resolved(
    tmp_path: Path, source: str, code: str, target: str
) -> None:
    path = tmp_path / "m.py"
    path.write_text(code, encoding="utf-8")
    assert [imp.target for imp in imports_of(source, path, set())] == [target]
