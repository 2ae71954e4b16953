import types

import ce_policy

PUBLIC_SUBMODULES = {"invariants", "strategies", "pytest_plugin"}


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


def test_public_submodules_are_the_documented_ones() -> None:
    modules = {
        n
        for n in dir(ce_policy)
        if n.isidentifier() and not n.startswith("_") and isinstance(getattr(ce_policy, n), types.ModuleType)
    }
    assert modules <= PUBLIC_SUBMODULES
