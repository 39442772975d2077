"""LACP: state bits, the pairing of two ends, and every host TeamingMode against the switch.

Sources: IEEE 802.1AX-2008 5.4.2.2 (state bits; Linux include/uapi/linux/if_bonding.h
LACP_STATE_* use the same values), 5.4.4 (Fast/Slow periodic 1 s / 30 s, Short/Long timeout
3 s / 90 s), 6.4.14 selection logic; Microsoft Learn "NIC Teaming settings" (LACP always
Active with a short timer; switch dependent teams need one switch or a multi-chassis switch
sharing a switch ID); MSFT_NetImPlatAdapter.FailureReason (LacpNegotiationIssue).
"""

from __future__ import annotations

from itertools import product

import pytest

from hvlab.condition import Condition
from hvlab.teaming import LACP_SILENT_KEY, LacpState, pair, resolve_team, team_lacp, team_state
from hvlab.teaming.lacp import state_names, timeout_ms
from tests.teaming.test_distribute import team_lab


def test_state_bits_match_802_1ax_and_linux() -> None:
    assert [int(f) for f in LacpState] == [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]
    assert [f.name for f in LacpState] == [
        "ACTIVITY",
        "TIMEOUT",
        "AGGREGATION",
        "SYNCHRONIZATION",
        "COLLECTING",
        "DISTRIBUTING",
        "DEFAULTED",
        "EXPIRED",
    ]
    assert state_names(0x3F) == (
        "ACTIVITY",
        "TIMEOUT",
        "AGGREGATION",
        "SYNCHRONIZATION",
        "COLLECTING",
        "DISTRIBUTING",
    )


def test_timers() -> None:
    """Short_Timeout_Time = 3 x Fast_Periodic_Time (1 s); Long = 3 x Slow (30 s)."""
    assert timeout_ms("Fast") == 3_000 and timeout_ms("fast") == 3_000
    assert timeout_ms("Slow") == 90_000 and timeout_ms("slow") == 90_000


# Every pairing of two ends: (bundled, a forwards, b forwards) with lacp.no_partner=suspend.
PAIRS = {
    ("active", "active"): (True, True, True),
    ("active", "passive"): (True, True, True),
    ("passive", "active"): (True, True, True),
    ("passive", "passive"): (False, False, False),  # nobody sends an LACPDU
    ("active", "on"): (False, False, True),
    ("active", "off"): (False, False, True),
    ("passive", "on"): (False, False, True),
    ("passive", "off"): (False, False, True),
    ("on", "active"): (False, True, False),
    ("off", "passive"): (False, True, False),
    ("on", "on"): (True, True, True),
    ("on", "off"): (False, True, True),
    ("off", "on"): (False, True, True),
    ("off", "off"): (False, True, True),
    ("on", "passive"): (False, True, False),
    ("off", "active"): (False, True, False),
}


@pytest.mark.parametrize(("a", "b"), list(product(["active", "passive", "on", "off"], repeat=2)))
def test_pair_matrix(a: str, b: str) -> None:
    out = pair(a, b, a_fast=True, b_fast=False)  # type: ignore[arg-type]
    assert (out.bundled, out.a_forwards, out.b_forwards) == PAIRS[(a, b)]
    lacp = ("active", "passive")
    if a in lacp:
        assert out.a_state is not None
        assert bool(out.a_state & LacpState.ACTIVITY) == (a == "active")
        assert out.a_state & LacpState.TIMEOUT  # a_fast
        synced = out.bundled
        assert bool(out.a_state & LacpState.SYNCHRONIZATION) == synced
        assert bool(out.a_state & LacpState.DEFAULTED) == (not synced)
    else:
        assert out.a_state is None
    if b in lacp:
        assert out.b_state is not None and not out.b_state & LacpState.TIMEOUT  # slow
    if a in lacp and b in lacp and out.bundled:
        # AGGREGATION | SYNCHRONIZATION | COLLECTING | DISTRIBUTING, + ACTIVITY, + TIMEOUT
        assert out.a_state == 0x3E | (a == "active")
        assert out.b_state == 0x3C | (b == "active")


def test_individual_policy_lets_lacp_end_forward() -> None:
    out = pair("active", "off", no_partner="individual")
    assert out.a_forwards and not out.bundled


# --------------------------------------------------------------------------------------
# Host TeamingMode x switch port-channel
# --------------------------------------------------------------------------------------

# (mode, switch LAG lacp or None) -> (member outcome, host uses, switch forwards, reason, status)
MATRIX = {
    ("Lacp", "active"): ("bundled", True, True, None, "Up"),
    ("Lacp", "passive"): ("bundled", True, True, None, "Up"),
    ("Lacp", "on"): ("not-bundled", False, True, "LacpNegotiationIssue", "Down"),
    ("Lacp", None): ("not-bundled", False, True, "LacpNegotiationIssue", "Down"),
    ("Static", "on"): ("static", True, True, None, "Up"),
    ("Static", None): ("not-bundled", True, True, None, "Up"),
    ("Static", "active"): ("suspended", True, False, None, "Up"),
    ("Static", "passive"): ("suspended", True, False, None, "Up"),
    ("SwitchIndependent", None): ("independent", True, True, None, "Up"),
    ("SwitchIndependent", "on"): ("static", True, True, None, "Up"),
    ("SwitchIndependent", "active"): ("suspended", True, False, None, "Up"),
    ("SwitchIndependent", "passive"): ("suspended", True, False, None, "Up"),
}


@pytest.mark.parametrize(("mode", "lag"), list(MATRIX))
def test_host_mode_against_switch(mode: str, lag: str | None) -> None:
    outcome, uses, forwards, reason, status = MATRIX[(mode, lag)]
    lab = team_lab(mode=mode, lag=lag)
    spec = resolve_team(lab, "h1", "T")
    result = team_lacp(lab, spec)
    for row in result.members:
        assert (row.outcome, row.host_uses, row.switch_forwards, row.failure_reason) == (
            outcome,
            uses,
            forwards,
            reason,
        ), row.note
        assert row.switch == "s1" and row.lag == "s1/Po1" if lag else row.lag is None
    state = team_state(lab, spec)
    assert state.status == status
    # what Windows shows does not reveal a switch that drops the frames
    if not forwards and uses:
        assert all(m.state == "active" and not m.carries for m in state.members)
    if mode == "Lacp" and lag in ("active", "passive"):
        assert result.aggregator == ("s1", "s1/Po1")
        row = result.members[0]
        assert row.actor_state == 0x3F  # Windows: Active, short timer, in sync
        assert row.partner_state is not None and row.partner_state & LacpState.DISTRIBUTING


def test_windows_lacp_is_active_with_a_short_timer_by_default() -> None:
    lab = team_lab(mode="Lacp", lag="passive")
    spec = resolve_team(lab, "h1", "T")
    assert spec.lacp_timer == "Fast" and spec.lacp_timer_origin.startswith("default")
    row = team_lacp(lab, spec).members[0]
    assert row.host_mode == "active"
    assert row.actor_state is not None and row.actor_state & LacpState.TIMEOUT
    slow = resolve_team(team_lab(mode="Lacp", lag="passive", lacp_timer="Slow"), "h1", "T")
    assert slow.lacp_timer == "Slow" and slow.lacp_timer_origin == "lab"


def test_lacp_no_partner_individual_override() -> None:
    lab = team_lab(mode="SwitchIndependent", lag="active")
    spec = resolve_team(lab, "h1", "T")
    c = Condition.none().with_override("lacp.no_partner", "individual")
    row = team_lacp(lab, spec, c).members[0]
    assert row.outcome == "individual" and row.switch_forwards


# --------------------------------------------------------------------------------------
# Two switches, stacks, min_links
# --------------------------------------------------------------------------------------


def test_lacp_across_two_independent_switches_keeps_one_aggregator() -> None:
    """Ports aggregate only with the same partner system and key; the team keeps one."""
    lab = team_lab(mode="Lacp", lag="active", switches="two", members=4)
    spec = resolve_team(lab, "h1", "T")
    result = team_lacp(lab, spec)
    assert result.aggregator == ("s1", "s1/Po1")
    by_name = {r.name: r for r in result.members}
    assert by_name["N1"].outcome == by_name["N3"].outcome == "bundled"
    assert by_name["N2"].outcome == by_name["N4"].outcome == "other-aggregator"
    assert by_name["N2"].failure_reason == "LacpNegotiationIssue"
    assert result.notes and "one switch" in result.notes[0]
    state = team_state(lab, spec)
    assert state.status == "Degraded"
    assert [m.state for m in state.members] == ["active", "failed", "active", "failed"]


def test_static_across_two_independent_switches_is_not_detected() -> None:
    lab = team_lab(mode="Static", lag="on", switches="two")
    spec = resolve_team(lab, "h1", "T")
    result = team_lacp(lab, spec)
    assert [r.outcome for r in result.members] == ["static", "other-aggregator"]
    assert all(r.host_uses and r.switch_forwards for r in result.members)
    assert "MAC flapping" in result.notes[0]
    assert team_state(lab, spec).status == "Up"


def test_switch_independent_across_two_switches_is_fine() -> None:
    lab = team_lab(switches="two")
    result = team_lacp(lab, resolve_team(lab, "h1", "T"))
    assert [r.outcome for r in result.members] == ["independent", "independent"]
    assert not result.notes


@pytest.mark.parametrize("mode", ["Lacp", "Static"])
def test_stack_is_one_logical_switch(mode: str) -> None:
    """A cross-stack port-channel (members on two stack members) is one partner."""
    lab = team_lab(mode=mode, lag="active" if mode == "Lacp" else "on", switches="stack")
    spec = resolve_team(lab, "h1", "T")
    result = team_lacp(lab, spec)
    assert result.aggregator == ("stk", "s1/Po1")
    assert {r.logical_switch for r in result.members} == {"stk"}
    assert all(r.outcome in ("bundled", "static") for r in result.members)
    assert not result.notes
    assert team_state(lab, spec).status == "Up"


def test_min_links_takes_the_port_channel_down() -> None:
    lab = team_lab(mode="Lacp", lag="active", min_links=2)
    spec = resolve_team(lab, "h1", "T")
    assert team_state(lab, spec).status == "Up"
    c = Condition.from_elements(lab, ["nic:h1:N1"])
    result = team_lacp(lab, spec, c)
    assert result.members[1].outcome == "lag-below-min-links"
    state = team_state(lab, spec, c)
    assert state.status == "Down"
    assert state.members[0].failure_reason == "PhysicalMediaDisconnected"
    assert state.members[1].failure_reason == "LacpNegotiationIssue"


# --------------------------------------------------------------------------------------
# Detection time
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timer", "rate", "host_ms", "switch_ms"),
    [
        ("Fast", "slow", 3_000, 90_000),
        ("Slow", "fast", 90_000, 3_000),
        ("Fast", "fast", 3_000, 3_000),
    ],
)
def test_silent_partner_detected_after_lacp_timeout(
    timer: str, rate: str, host_ms: int, switch_ms: int
) -> None:
    """A partner that stops sending LACPDUs while the link stays up is timed out after 3 x
    the periodic time, by each end on its own timer."""
    lab = team_lab(mode="Lacp", lag="active", lacp_rate=rate, lacp_timer=timer)
    spec = resolve_team(lab, "h1", "T")
    c = Condition.none().with_override(LACP_SILENT_KEY, ["port:s1:1"])
    result = team_lacp(lab, spec, c)
    row = result.members[0]
    assert row.outcome == "partner-silent"
    assert (row.detect_ms, row.switch_detect_ms) == (host_ms, switch_ms)
    assert row.actor_state is not None and row.actor_state & LacpState.EXPIRED
    assert result.members[1].outcome == "bundled"
    state = team_state(lab, spec, c)
    assert state.members[0].state == "failed" and state.members[0].detect_ms == host_ms
    assert state.members[0].failure_reason == "LacpNegotiationIssue"


def test_silent_partner_goes_unnoticed_by_static_teams() -> None:
    lab = team_lab(mode="Static", lag="on")
    spec = resolve_team(lab, "h1", "T")
    c = Condition.none().with_override(LACP_SILENT_KEY, "switch:s1")
    assert team_state(lab, spec, c).status == "Up"


def test_link_loss_detected_after_lbfo_failover() -> None:
    lab = team_lab(mode="Lacp", lag="active")
    spec = resolve_team(lab, "h1", "T")
    state = team_state(lab, spec, Condition.from_elements(lab, ["port:s1:1"]))
    assert state.members[0].detect_ms == 500  # lbfo.failover, an assumption
    assert state.members[0].down_because == "port:s1:1"
