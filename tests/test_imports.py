"""The import rules of the project, read from the source (nothing is imported):

- models, matching and indexing import nothing of `app`;
- app.platform (shared services) imports no domain, no view, no API and no ops module;
- no service, rules or labels module imports a view, the API, `app.web` request plumbing or a blueprint;
- no cycle among the project's modules, counting the imports made inside functions too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "models", "matching", "indexing")
DOMAINS = ("app.accounts", "app.market", "app.deals", "app.oversight")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports, at any depth (a name imported from a package counts as its module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` names the submodule; `from pkg import name` names pkg itself.
            names = [
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            # The longest project module the dotted name starts with.
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    edges = {name: imports_of(path, modules) - {name} for name, path in modules.items()}
    # `from app.x import y` names the package app.x too; a package's own __init__ importing its submodules
    # (or a submodule naming its package for a sibling) is not a cycle of code, so package nodes whose
    # __init__ holds no code are dropped from the graph.
    hollow = {name for name, path in modules.items() if path.name == "__init__.py" and not _has_code(path)}
    return {n: {m for m in e if m not in hollow} for n, e in edges.items() if n not in hollow}


def _has_code(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(not isinstance(node, ast.Expr | ast.Import | ast.ImportFrom) for node in tree.body)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def is_view(name: str) -> bool:
    return ".views" in name or under(name, "app.api", "app.web")


def is_service(name: str) -> bool:
    return ".services." in name or name.endswith((".rules", ".labels")) and under(name, *DOMAINS)


def violations(edges, rule, allowed) -> list[str]:
    return sorted(
        f"{a} imports {b}" for a, targets in edges.items() if rule(a) for b in targets if not allowed(b)
    )


def test_models_matching_and_indexing_import_nothing_of_the_app():
    edges = graph()
    low = ("models", "matching", "indexing")
    assert violations(edges, lambda a: under(a, *low), lambda b: under(b, *low)) == []


def test_shared_services_import_no_domain_view_api_or_ops():
    edges = graph()
    assert (
        violations(
            edges,
            lambda a: under(a, "app.platform"),
            lambda b: not under(b, *DOMAINS, "app.api", "app.web", "app.ops"),
        )
        == []
    )


def test_services_import_no_view_api_or_request_plumbing():
    edges = graph()
    # app.web.labels is display text the exports print, not request plumbing.
    assert violations(edges, is_service, lambda b: not is_view(b) or b == "app.web.labels") == []


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_the_rules_see_a_planted_cycle_and_a_planted_layer_break():
    """The checks above can fail: a made-up graph with a cycle and a service importing a view is caught."""
    edges = {
        "app.market.services.a": {"app.market.services.b", "app.market.views.listings"},
        "app.market.services.b": {"app.market.services.a"},
        "app.market.views.listings": set(),
    }
    assert cycles(edges) == [["app.market.services.a", "app.market.services.b"]]
    assert violations(edges, is_service, lambda b: not is_view(b)) == [
        "app.market.services.a imports app.market.views.listings"
    ]
