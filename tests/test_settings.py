"""Lab overrides of modelled defaults: parsed in the default's unit, checked at load time."""

from __future__ import annotations

import pytest

from hvlab.errors import LabError
from hvlab.model.load import load_lab_text
from hvlab.settings import assumptions, setting, setting_ms


def _lab(timers: str):  # type: ignore[no-untyped-def]
    return load_lab_text(f"name: x\ntimers: {timers}\n", "lab.yaml")


def test_table_value_without_override() -> None:
    assert setting_ms(None, "stp.ForwardDelay") == 15_000
    assert setting_ms(None, "lacp.long_timeout") == 90_000


def test_override_in_people_units() -> None:
    lab = _lab("{lbfo.failover: 200ms, stp.ForwardDelay: 4s, livemigration.dirty_rate: 64MiB/s}")
    assert setting_ms(lab, "lbfo.failover") == 200
    assert setting_ms(lab, "stp.ForwardDelay") == 4000
    assert setting(lab, "livemigration.dirty_rate") == 64


def test_bare_number_is_in_the_default_unit() -> None:
    assert setting_ms(_lab("{stp.ForwardDelay: 4}"), "stp.ForwardDelay") == 4000


@pytest.mark.parametrize(
    ("timers", "message"),
    [
        ("{lbfo.failovr: 1s}", r"no default named 'lbfo.failovr' \(did you mean 'lbfo.failover'"),
        ("{livemigration.compression_ratio: -1}", "is a ratio > 0"),
        ("{cluster.SameSubnetThreshold: 2.5}", "is a count"),
        ("{stp.HelloTime: soon}", "is not a duration"),
    ],
)
def test_bad_overrides_fail_the_load(timers: str, message: str) -> None:
    with pytest.raises(LabError, match=message):
        _lab(timers)


def test_assumptions_are_listed_with_their_override_state() -> None:
    lab = _lab("{lbfo.failover: 200ms}")
    rows = assumptions(lab, ["lbfo.failover", "stp.ForwardDelay", "hyperv.vm_boot"])
    assert [r["key"] for r in rows] == ["hyperv.vm_boot", "lbfo.failover"]
    assert rows[1]["overridden"] and rows[1]["value"] == 200
