from __future__ import annotations

import pytest

from lht.errors import ConfigError
from lht.sync.options import SyncOptions, Thresholds


def test_options_from_none_are_defaults():
    assert SyncOptions.from_mapping(None) == SyncOptions()


def test_options_from_mapping_coerces_and_is_case_insensitive():
    opts = SyncOptions.from_mapping(
        {
            "FORCE_FULL_SYNC": "true",
            "include_fields": "Name, Industry",
            "lookback_seconds": 60.0,
            "delete_policy": "hard",
            "where_clause": None,
        }
    )
    assert opts.force_full_sync is True
    assert opts.include_fields == ("Name", "Industry")
    assert opts.lookback_seconds == 60
    assert opts.delete_policy == "hard"


@pytest.mark.parametrize(
    "raw",
    [
        {"nope": 1},
        {"force_full_sync": "yes"},
        {"delete_policy": "purge"},
        {"lookback_seconds": -1},
        {"lookback_seconds": True},
        {"method": "soap"},
        {"bulk_api_threshold": 10, "stage_threshold": 5},
        {"prefetch_pages": 0},
        {"include_fields": ["A"], "exclude_fields": ["a"]},
        {"max_records": 0},
        {"download_streams": 0},
        {"download_streams": 17},
        {"stage_file_mb": -1},
        {"where_clause": 5},
    ],
)
def test_options_bad_values_raise_config_error(raw):
    with pytest.raises(ConfigError):
        SyncOptions.from_mapping(raw)


def test_options_non_mapping_raises():
    with pytest.raises(ConfigError):
        SyncOptions.from_mapping(["force_full_sync"])  # type: ignore[arg-type]


def test_thresholds_negative_raise():
    with pytest.raises(ConfigError):
        Thresholds(-1, 5)
