"""The public API is exactly ``mcredlab.__all__``, sorted."""

import mcredlab


def test_all_is_sorted_and_every_name_exists() -> None:
    assert mcredlab.__all__ == sorted(mcredlab.__all__)
    for name in mcredlab.__all__:
        assert hasattr(mcredlab, name), name


def test_open_lab_is_reachable_from_the_package() -> None:
    assert callable(mcredlab.open_lab)
