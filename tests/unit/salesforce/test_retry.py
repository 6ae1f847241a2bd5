from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lht.salesforce.retry import RetryPolicy, parse_retry_after


def test_backoff_without_jitter_doubles_then_caps() -> None:
    policy = RetryPolicy(base_delay=1.0, multiplier=2.0, max_delay=10.0, jitter=0.0)
    assert [policy.backoff(n, 0.99) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_jitter_stays_within_band_and_under_cap() -> None:
    policy = RetryPolicy(base_delay=4.0, multiplier=2.0, max_delay=10.0, jitter=0.25)
    assert policy.backoff(1, 0.0) == 3.0
    assert policy.backoff(1, 0.5) == 4.0
    assert policy.backoff(1, 0.9999) == pytest.approx(5.0, abs=1e-3)
    assert policy.backoff(3, 0.9999) == 10.0  # 16 capped; jitter never exceeds the cap


def test_delay_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=30.0, jitter=0.0)
    assert policy.delay(1, 0.5, 7.0) == 7.0
    assert policy.delay(1, 0.5, 120.0) == 30.0
    assert policy.delay(2, 0.5, None) == 2.0


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"jitter": 1.5}, {"base_delay": -1.0}, {"multiplier": 0.5}],
)
def test_retry_policy_invalid_values_raise(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_parse_retry_after_seconds_http_date_and_garbage() -> None:
    now = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sun, 31 Dec 2023 23:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("", now) is None
