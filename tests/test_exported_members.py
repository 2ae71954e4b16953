import types
from pathlib import Path

import ce_policy
from ce_policy import invariants, pytest_plugin, strategies
from ce_policy.testing import invariants as invariants_impl
from ce_policy.testing import pytest_plugin as plugin_impl
from ce_policy.testing import strategies as strategies_impl

PUBLIC_SUBMODULES = {"invariants", "strategies", "pytest_plugin"}
ROLE_PACKAGES = {
    p.name for p in (Path(ce_policy.__file__).parent).iterdir() if p.is_dir() and (p / "__init__.py").is_file()
}


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name in dir(ce_policy)
        if name.isidentifier()
        and not name.startswith("_")
        and not isinstance(getattr(ce_policy, name), types.ModuleType)
    } - {"annotations"}
    assert ce_policy.__all__ == sorted(ce_policy.__all__)
    assert set(ce_policy.__all__) - {"__version__"} == public


def test_every_exported_member_has_a_docstring() -> None:
    for name in ce_policy.__all__:
        member = getattr(ce_policy, name)
        if callable(member):
            assert member.__doc__, name


def test_the_role_packages_are_the_architecture_s_and_no_public_submodule_is_one() -> None:
    expected = {"analysis", "audit", "cli", "decide", "engine", "model", "policy", "serve", "testing", "text"}
    assert expected == ROLE_PACKAGES
    assert not ROLE_PACKAGES & PUBLIC_SUBMODULES


def test_public_submodules_are_the_documented_ones() -> None:
    modules = {
        n
        for n, value in vars(ce_policy).items()
        if n.isidentifier() and not n.startswith("_") and isinstance(value, types.ModuleType) and n not in ROLE_PACKAGES
    }
    assert modules <= PUBLIC_SUBMODULES


def test_the_public_submodules_re_export_every_public_name_of_their_implementation() -> None:
    for public, impl in [(strategies, strategies_impl), (invariants, invariants_impl), (pytest_plugin, plugin_impl)]:
        assert public.__all__ == impl.__all__
        for name in public.__all__:
            assert getattr(public, name) is getattr(impl, name), name
