"""durable-rules is quarantined: exactly one module imports it, and nothing in src/ evaluates code."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ce_policy"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_engine_module_imports_durable() -> None:
    engine = {"durable", "durable_rules_engine"}
    importers = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if _imports(p) & engine}
    assert importers == {"engine/rules_engine.py"}


def test_no_eval_exec_pickle_or_unsafe_yaml_in_src() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert "pickle" not in _imports(path), path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path.name
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "yaml":
                assert node.attr not in {"load", "load_all", "unsafe_load", "full_load", "Loader"}, path.name
