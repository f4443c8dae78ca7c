"""Candidate arrays on ordinary pages: numpy's process-wide setting is put back."""

import pytest

from matching import _pages


def _state(setter):
    value = setter(False)
    setter(value)
    return value


@pytest.mark.parametrize("initial", [True, False])
def test_overlapping_blocks_restore_numpy_setting(initial):
    # Two threads' blocks overlap (entered A, B; left A, B): pages stay ordinary until
    # the last one is left, then numpy's setting is what it was before the first.
    setter = _pages._setter()
    if setter is None:
        pytest.skip("this numpy has no huge-page switch")
    saved = setter(initial)
    try:
        first, second = _pages.small_pages(), _pages.small_pages()
        first.__enter__()
        assert _state(setter) is False
        second.__enter__()
        first.__exit__(None, None, None)
        assert _state(setter) is False
        second.__exit__(None, None, None)
        assert _state(setter) is initial
    finally:
        setter(saved)
