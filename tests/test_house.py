"""The house rules that the tree itself can be checked against (docs/architecture.md).

- No import cycle between mailbot's modules, counting imports inside functions too
  (only ``if TYPE_CHECKING:`` blocks are left out: they never run).
- No module over 400 lines: split along a seam the domain already has.
- Only ``mailbot/ledger_rows.py`` writes score rows (constructs ``ScoreEvent``).
- The pure layers (reading, scoring, classify, resubmission, text, bulletin) import nothing of the
  database, the pipeline, mail, reports or the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mailbot"
MAX_LINES = 400
# Scratch generators run by hand, not imported by the package (to be moved to tools/).
SKIP = ("mailbot/classify/data/gen/",)
# Imports that close a cycle today, each with the work that removes it (issue 9). The list may
# only shrink: test_known_cycle_edges_still_exist fails once an edge is gone, so strike it here.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(s) for s in SKIP) or "/migrations/" in rel:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """mailbot modules that ``name`` imports when it runs (any depth, TYPE_CHECKING left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def resolve(target: str) -> None:
        # `import a.b.c` runs a, a.b and a.b.c; count the deepest one we know.
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                resolve(candidate if candidate in known else module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def _is_ancestor_package(a: str, b: str) -> bool:
    return b.startswith(a + ".")


def test_no_import_cycles():
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle of the design.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not _is_ancestor_package(t, name)}
    for source, target in KNOWN_CYCLE_EDGES:
        graph[source].discard(target)
    assert _cycles(graph) == []


def test_known_cycle_edges_still_exist():
    graph = _graph()
    assert {(s, t) for s, t in KNOWN_CYCLE_EDGES if t not in graph.get(s, set())} == set()


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_pure_layers_import_no_outer_layer():
    graph = _graph()
    pure = ("mailbot.reading", "mailbot.scoring", "mailbot.classify", "mailbot.resubmission", "mailbot.text",
            "mailbot.bulletin")
    outer = ("mailbot.db", "mailbot.pipeline", "mailbot.mail", "mailbot.reports", "mailbot.cli", "mailbot.runtime",
             "mailbot.sources", "mailbot.records", "mailbot.polling", "mailbot.daemon")
    wrong = {f"{m} -> {t}" for m, targets in graph.items() if m in pure or m.startswith(tuple(f"{p}." for p in pure))
             for t in targets if t.startswith(outer)}
    assert wrong == set()


def _score_rows_built(path: Path) -> int:
    """Calls of the db model ``ScoreEvent(...)`` (the pure ``ledger.ScoreEvent`` is an attribute call)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(1 for n in ast.walk(tree)
               if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "ScoreEvent")


def test_only_the_ledger_module_writes_score_rows():
    writers = {str(p.relative_to(ROOT)) for p in _modules().values() if _score_rows_built(p)}
    assert writers == {"mailbot/ledger_rows.py"}


def test_the_checker_sees_function_level_imports(tmp_path):
    # GIVEN two modules that import each other, one of them inside a function
    (tmp_path / "a.py").write_text("import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from a import x\n", encoding="utf-8")
    known = {"a", "b"}
    graph = {"a": _imports("a", tmp_path / "a.py", known), "b": _imports("b", tmp_path / "b.py", known)}
    # THEN the cycle is found
    assert _cycles(graph) == [["a", "b"]]
