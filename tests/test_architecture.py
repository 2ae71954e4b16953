"""docs/architecture.md tells the truth about the layout, and every module stays readable at a sitting."""

import ast
import re
import tomllib
from pathlib import Path

import ce_policy

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(ce_policy.__file__).parent
DOC = ROOT / "docs" / "architecture.md"
MAX_LINES = 500


def _role_packages() -> dict[str, Path]:
    return {p.name: p for p in sorted(SRC.iterdir()) if p.is_dir() and (p / "__init__.py").is_file()}


def _items(cell: str) -> list[str]:
    """The comma-separated items of a table cell, commas inside parentheses and backticks left alone."""
    items, current, depth, quoted = [], "", 0, False
    for char in cell:
        quoted ^= char == "`"
        if not quoted:
            depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0 and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return [*items, current.strip()]


def _documented_modules() -> dict[str, set[str]]:
    found = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(\w+)/` \|[^|]*\|(.*)\|$", line)
        if match:
            found[match.group(1)] = {re.findall(r"`([^`]+)`", item)[0] for item in _items(match.group(2))}
    return found


def test_the_package_table_lists_every_module_of_every_package() -> None:
    actual = {
        name: {p.stem for p in folder.glob("*.py") if p.name != "__init__.py"}
        | {f"{p.name}/" for p in folder.iterdir() if (p / "__init__.py").is_file()}
        for name, folder in _role_packages().items()
    }
    assert _documented_modules() == actual


def test_the_diagram_and_the_import_contract_name_the_same_packages() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    in_contract = {name.strip() for layer in layers for name in layer.split("|")}
    diagram = DOC.read_text(encoding="utf-8").split("```mermaid", 1)[1].split("```", 1)[0]
    in_diagram = set(re.findall(r"^\s+(\w+)\[", diagram, re.MULTILINE))
    assert in_contract == in_diagram == set(_role_packages())


def test_every_package_says_what_it_may_import() -> None:
    for name, folder in _role_packages().items():
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc is not None, name
        assert "import" in doc, name


def test_no_module_is_longer_than_can_be_read_at_a_sitting() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
