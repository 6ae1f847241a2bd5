from __future__ import annotations

import pytest

from lht.sync.method import choose_method, method_family
from lht.sync.options import Thresholds

T = Thresholds(bulk_api=1000, stage=50000)


@pytest.mark.parametrize(
    ("estimate", "incremental", "expected"),
    [
        (0, False, "regular_api_full"),
        (999, False, "regular_api_full"),
        (1000, False, "bulk_api_full"),
        (49999, False, "bulk_api_full"),
        (50000, False, "bulk_api_stage_full"),
        (10**7, False, "bulk_api_stage_full"),
        (0, True, "regular_api_incremental"),
        (999, True, "regular_api_incremental"),
        (1000, True, "bulk_api_incremental"),
        (50000, True, "bulk_api_stage_incremental"),
    ],
)
def test_choose_method_matrix_boundaries(estimate, incremental, expected):
    assert choose_method(estimate, incremental, T) == expected


def test_choose_method_forced_family_wins_over_estimate():
    assert choose_method(5, False, T, forced="bulk_api_stage") == "bulk_api_stage_full"
    assert choose_method(10**6, True, T, forced="regular_api") == "regular_api_incremental"


def test_choose_method_zero_thresholds_always_stage():
    assert choose_method(0, False, Thresholds(0, 0)) == "bulk_api_stage_full"


def test_choose_method_unknown_forced_family_raises():
    with pytest.raises(ValueError):
        choose_method(1, False, T, forced="soap")


@pytest.mark.parametrize(
    ("method", "family"),
    [
        ("regular_api_full", "regular_api"),
        ("bulk_api_incremental", "bulk_api"),
        ("bulk_api_stage_full", "bulk_api_stage"),
    ],
)
def test_method_family_strips_suffix(method, family):
    assert method_family(method) == family
