"""Every third-party package the code imports is declared in pyproject.toml, the app's own ones outside extras.

A package that only arrives as another's dependency works until that one drops or moves it; then a fresh
`make install` breaks while every existing checkout keeps passing.
"""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = {"app", "models", "matching", "indexing", "migrations", "tests"}
# Files the app never imports that need an extra: the load harness runs under `make load` only.
EXTRA_FILES = {Path("app/ops/load/locustfile.py"): "load"}


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, set[str]]:
    """Distribution names per group: "app" for the dependencies, then one per extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"app": project["dependencies"], **project["optional-dependencies"]}
    return {
        group: {_normalised(re.split(r"[\[=<>!~ ;]", spec, maxsplit=1)[0]) for spec in specs}
        for group, specs in groups.items()
    }


def _imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one file that are neither the standard library nor ours."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in OWN}


def _undeclared() -> list[str]:
    declared = _declared()
    distributions = packages_distributions()
    problems = []
    for folder in sorted(OWN):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            # Tests may use the test extra; code the app runs needs the app's own dependencies.
            groups = {"app", "test"} if folder == "tests" else {"app", EXTRA_FILES.get(relative, "app")}
            allowed = set().union(*(declared[group] for group in groups))
            for name in sorted(_imports(path)):
                owners = {_normalised(d) for d in distributions.get(name, [name])}
                if not owners & allowed:
                    problems.append(
                        f"{relative}: {name} ({', '.join(sorted(owners))}) not in {sorted(groups)}"
                    )
    return problems


def test_every_imported_package_is_declared():
    assert _undeclared() == []


def test_a_package_missing_from_pyproject_is_reported(monkeypatch):
    declared = _declared()
    declared["app"].discard("pydantic")
    monkeypatch.setattr(sys.modules[__name__], "_declared", lambda: declared)
    assert any("models/" in problem and "pydantic" in problem for problem in _undeclared())
