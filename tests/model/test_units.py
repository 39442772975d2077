"""Units written as people write them, stored exactly (IEC 80000-13 prefixes)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hvlab.model.units import (
    format_bytes,
    format_duration,
    format_speed,
    parse_bytes,
    parse_duration,
    parse_speed,
)


@pytest.mark.parametrize(
    ("text", "bps"),
    [
        ("10G", 10_000_000_000),
        ("1Gbps", 10**9),
        ("100M", 10**8),
        ("2.5G", 2_500_000_000),
        ("10 Gb/s", 10**10),
        ("200Mb/s", 2 * 10**8),
        (1000, 1000),
    ],
)
def test_speed(text: str, bps: int) -> None:
    assert parse_speed(text) == bps


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("256GiB", 256 * 2**30),
        ("1.6TB", 1_600_000_000_000),
        ("512MB", 512 * 10**6),
        ("4TiB", 4 * 2**40),
        ("9014", 9014),
        (9014, 9014),
        ("64gib", 64 * 2**30),
        # 2.6 TiB is not a whole number of bytes: rounded half to even.
        ("2.6TiB", 2_858_730_232_218),
    ],
)
def test_bytes(text: str, size: int) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("30s", 30_000),
        ("5m", 300_000),
        ("1h", 3_600_000),
        ("500ms", 500),
        ("1h30m", 5_400_000),
        ("1d", 86_400_000),
        (30, 30_000),
        ("1.5s", 1500),
        ("0", 0),
    ],
)
def test_duration(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("bad", ["10Q", "1.5B", "", "GiB", "-5GB", True, None, [1]])
def test_bad_sizes_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_bytes(bad)


@pytest.mark.parametrize("bad", ["fast", "10X", "", -1, "1.5"])
def test_bad_speeds_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_speed(bad)


@pytest.mark.parametrize("bad", ["soon", "5x", "", -3, "0.1ms", "s"])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_formatting_reads_like_people_write() -> None:
    assert format_speed(10**10) == "10G"
    assert format_bytes(64 * 2**30) == "64GiB"
    assert format_bytes(1_600_000_000_000) == "1.6TB"
    assert format_duration(30_000) == "30s"
    assert format_duration(1500) == "1.5s"


@given(st.integers(min_value=0, max_value=10**15))
def test_formatted_sizes_parse_back_within_display_precision(n: int) -> None:
    # format_bytes shows four significant digits: what it prints parses back to within 0.05 %.
    assert abs(parse_bytes(format_bytes(n)) - n) <= n * 0.0005


@given(st.text(max_size=12))
def test_parsers_only_raise_value_error(text: str) -> None:
    for parse in (parse_bytes, parse_speed, parse_duration):
        with contextlib.suppress(ValueError):
            parse(text)
