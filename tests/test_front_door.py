"""The lean front door: ``import ce_policy`` loads what evaluate() needs, every other public name on first use."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import ce_policy

INIT = Path(ce_policy.__file__)

# Modules that ``import ce_policy`` (and a decision made through it) must leave unloaded.
NOT_AT_IMPORT = (
    "ce_policy.cli",
    "ce_policy.decide.many",
    "ce_policy.analysis",
    "ce_policy.audit",
    "ce_policy.testing",
    "ce_policy.text",
    "ce_policy.model.record_files",
    "click",
    "tqdm",
    "hypothesis",
    "concurrent.futures.process",
    "multiprocessing",
)


def _loaded_after(code: str) -> list[str]:
    """The modules loaded in a fresh interpreter after running ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(out.splitlines()[-1])
    return loaded


def _unwanted(loaded: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_import_ce_policy_leaves_the_cli_batch_diff_lint_replay_and_reports_unloaded() -> None:
    loaded = _loaded_after("import ce_policy")
    assert "ce_policy.decide.evaluate" in loaded
    assert _unwanted(loaded, NOT_AT_IMPORT) == []


def test_a_decision_and_a_title_review_load_nothing_more_of_that() -> None:
    code = """
import ce_policy
from tests.records import complete_record, record
ce_policy.evaluate(record())
ce_policy.evaluate(complete_record())
ce_policy.evaluate_title_review(
    {"person": {"id": "p1", "title_level": "intermediate"}, "records": [complete_record()]},
    review_year=2025, applied_on=__import__("datetime").date(2025, 12, 31),
)
"""
    loaded = _loaded_after(code)
    assert _unwanted(loaded, NOT_AT_IMPORT) == []


def test_a_lazy_name_loads_its_module_on_first_use() -> None:
    loaded = _loaded_after("import ce_policy\nce_policy.evaluate_many")
    assert "ce_policy.decide.many" in loaded
    assert "ce_policy.audit.log" not in loaded


def _type_checking_imports() -> dict[str, str]:
    """Each name the ``if TYPE_CHECKING:`` block of ce_policy/__init__.py imports, with its module."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    (block,) = [node for node in tree.body if isinstance(node, ast.If) and isinstance(node.test, ast.Attribute)]
    names = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            names[alias.asname or alias.name] = str(node.module)
    return names


def test_the_lazy_table_and_the_type_checking_imports_name_the_same_things() -> None:
    lazy: dict[str, str] = ce_policy._LAZY
    assert _type_checking_imports() == lazy


def test_every_public_name_is_either_loaded_or_lazy_never_both() -> None:
    lazy: dict[str, str] = ce_policy._LAZY
    eager = {name for name in ce_policy.__all__ if name in vars(ce_policy)} - set(lazy)
    assert eager | set(lazy) == set(ce_policy.__all__)


@pytest.mark.parametrize("name", sorted(ce_policy._LAZY))
def test_each_lazy_name_resolves_in_a_fresh_process_to_its_module_s_object(name: str) -> None:
    module = ce_policy._LAZY[name]
    found = f"getattr(importlib.import_module({module!r}), {name!r})"
    code = f"import ce_policy, importlib\nassert ce_policy.{name} is {found}"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dir_lists_every_public_name_before_it_is_loaded() -> None:
    loaded = _loaded_after("import ce_policy\nnames = dir(ce_policy)\nassert set(ce_policy.__all__) <= set(names)")
    assert "ce_policy.decide.many" not in loaded


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'evaluat'"):
        _ = ce_policy.evaluat  # type: ignore[attr-defined]


def test_the_command_line_loads_only_the_subcommand_it_runs() -> None:
    loaded = _loaded_after("from ce_policy.cli.main import main")
    lazy = ("ce_policy.cli.batch", "ce_policy.cli.diff", "ce_policy.cli.lint", "ce_policy.cli.replay")
    assert _unwanted(loaded, (*lazy, "ce_policy.cli.folder", "ce_policy.testing", "tqdm", "hypothesis")) == []
    assert _unwanted(loaded, ("concurrent.futures.process", "ce_policy.analysis", "ce_policy.audit")) == []
