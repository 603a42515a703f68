"""The contract of ``RandomSource`` (:mod:`merx.promotions.ports`), where voucher codes
are drawn from.

Run it against a source by subclassing :class:`RandomSourceContract` and providing its
fixture ``make_random`` (``Callable[[], RandomSource]``)::

    class TestHsmRandom(RandomSourceContract):
        @pytest.fixture
        def make_random(self) -> Callable[[], RandomSource]:
            return lambda: HsmRandomSource(sandbox_credentials())

``below(limit)`` answers a whole number ``0 <= n < limit`` for every ``limit >= 1``, and
over many draws every value comes up, none far more often than its share (the bounds
are loose enough that a uniform source fails them with a chance far below 10^-20). The
contract cannot tell a predictable source from an unpredictable one: that is the host's
choice (never a seeded one for codes handed to customers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from merx.promotions.ports import RandomSource

DRAWS = 31 * 200  # 200 expected draws of each of 31 values


class RandomSourceContract:
    """The contract of a ``RandomSource`` adapter. Subclass it under a name pytest
    collects and provide the fixture ``make_random``."""

    def test_a_draw_is_a_whole_number_below_the_limit(
        self, make_random: Callable[[], RandomSource]
    ) -> None:
        source = make_random()

        @given(limit=st.integers(1, 10**12))
        def check(limit: int) -> None:
            drawn = source.below(limit)
            assert isinstance(drawn, int)
            assert not isinstance(drawn, bool)
            assert 0 <= drawn < limit

        check()
        assert {source.below(1) for _ in range(20)} == {0}

    def test_every_value_comes_up_near_its_share(
        self, make_random: Callable[[], RandomSource]
    ) -> None:
        source = make_random()
        counts = Counter(source.below(31) for _ in range(DRAWS))
        assert set(counts) == set(range(31))
        assert all(60 <= n <= 360 for n in counts.values()), counts  # share: 200 each
