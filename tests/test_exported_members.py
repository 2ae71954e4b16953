import ce_policy


def test_all_is_sorted_and_complete() -> None:
    public = {name for name in dir(ce_policy) if not name.startswith("_")} - {"annotations"}
    assert ce_policy.__all__ == sorted(ce_policy.__all__)
    assert set(ce_policy.__all__) - {"__version__"} == public


def test_every_exported_member_has_a_docstring() -> None:
    for name in ce_policy.__all__:
        member = getattr(ce_policy, name)
        if callable(member):
            assert member.__doc__, name
