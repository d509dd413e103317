"""The house: no import cycle between lofipress modules, and the flow runs one way (cli -> commands -> recipe ->
stages -> config). Imports inside functions count: a lazy import is still a dependency; only `if TYPE_CHECKING:`
blocks, which never run, are left out."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lofipress"
ENTRY = {"cli", "commands", "bench.cli", "__main__"}  # the command line and its handlers: nothing imports them


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def _runtime_nodes(tree: ast.AST):
    """Every node, except the bodies of `if TYPE_CHECKING:`."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", getattr(child.test, "attr", "")) == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def graph() -> dict[str, set[str]]:
    mods = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    out = {m: set() for m in mods}
    for m, path in mods.items():
        package = m.split(".")[:-1] if path.name != "__init__.py" else m.split(".")
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[:len(package) - node.level + 1]
            elif (node.module or "").startswith("lofipress"):
                base, node = [], ast.ImportFrom(module=node.module.removeprefix("lofipress").lstrip(".") or None,
                                                names=node.names, level=0)
            else:
                continue
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found = {target} if target in mods else set()
            found |= {f"{target}.{a.name}".lstrip(".") for a in node.names if f"{target}.{a.name}".lstrip(".") in mods}
            out[m] |= found - {m}
    return out


def cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a path of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(g[v]):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state and (found := visit(w)):
                return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(g):
        if v not in state and (found := visit(v)):
            return found
    return None


def test_no_module_imports_another_that_imports_it_back():
    assert cycle(graph()) is None, " -> ".join(cycle(graph()))


def test_the_flow_runs_one_way_no_stage_imports_the_command_line():
    g = graph()
    wrong = sorted(f"{m} imports {t}" for m, targets in g.items() for t in targets & ENTRY if m not in ENTRY)
    assert not wrong, wrong


def test_the_checker_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
