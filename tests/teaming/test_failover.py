"""failover(): member changes, their timing, flows that move, bandwidth afterwards.

Sources: Microsoft Learn "NIC Teaming settings" (standby), "NIC Teaming MAC address use and
management" (temporary primary), MSFT_NetLbfoTeamMember / MSFT_NetLbfoTeam (OperationalMode,
Status); lbfo.failover is hvlab's stated assumption (Microsoft publishes no failover time).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.teaming import FAILURE_REASONS, LACP_SILENT_KEY, failover, resolve_team, team_flows
from tests.teaming.test_distribute import team_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_failure_reason_values_are_the_wmi_enumeration() -> None:
    assert FAILURE_REASONS == {
        "NoFailure": 0,
        "AdministrativeDecision": 1,
        "PhysicalMediaDisconnected": 3,
        "WaitingForStableConnectivity": 4,
        "LacpNegotiationIssue": 5,
        "NicNotPresent": 6,
        "UnknownFailure": 7,
        "VirtualSwitchLacksExternalConnectivity": 9,
    }


def test_member_link_loss() -> None:
    lab = team_lab(members=3)
    spec = resolve_team(lab, "h1", "T")
    flows = team_flows(lab, spec, 20_000, 5)
    r = failover(lab, "h1", "T", Condition.from_elements(lab, ["nic:h1:N2"]), flows=flows)
    assert [(c.name, c.before, c.after, c.failure_reason, c.after_ms) for c in r.changes] == [
        ("N2", "active", "failed", "PhysicalMediaDisconnected", 500)
    ]
    assert r.outage_ms == 500
    # every flow that was on N2 now leaves on N1 or N3
    from_n2 = [m for m in r.moves if m.source == "N2"]
    assert sum(m.flows for m in from_n2) == r.before.member("N2").flows
    assert {m.target for m in from_n2} <= {"N1", "N3"}
    assert r.after.member("N2").flows == 0
    assert r.after.status == "Degraded"
    assert r.timeline[0][1].startswith("fault: nic:h1:N2")
    assert any("team status Up -> Degraded" in e for _, e, _ in r.timeline)


def test_failover_time_override_from_lab_and_condition() -> None:
    lab = team_lab(timers={"lbfo.failover": "200ms"})
    r = failover(lab, "h1", "T", Condition.from_elements(lab, ["nic:h1:N1"]), n_flows=2_000)
    assert r.changes[0].after_ms == 200
    c = Condition.from_elements(lab, ["nic:h1:N1"]).with_override("lbfo.failover", "1.5s")
    r = failover(lab, "h1", "T", c, n_flows=2_000)
    assert r.changes[0].after_ms == 1_500
    used = next(a for a in r.after.assumptions if a.key == "lbfo.failover")
    assert (used.value, used.origin, used.published) == (1_500, "condition", False)


def test_primary_fails_temporary_primary_takes_the_mac() -> None:
    lab = team_lab(members=2)
    r = failover(lab, "h1", "T", Condition.from_elements(lab, ["nic:h1:N1"]), n_flows=5_000)
    assert r.before.state.primary == "N1"
    assert r.after.state.primary == "N2" and r.after.state.primary_temporary
    assert any("primary N1 -> N2 (temporary)" in e for _, e, _ in r.timeline)
    # inbound (all on the primary in this mode) moved with it
    assert r.inbound_moves and all(m.target == "N2" for m in r.inbound_moves)


def test_standby_takes_over_and_returns() -> None:
    lab = team_lab(members=3, standby="N3")
    down = Condition.from_elements(lab, ["nic:h1:N1"])
    r = failover(lab, "h1", "T", down, n_flows=10_000)
    changes = {c.name: c for c in r.changes}
    assert (changes["N1"].after, changes["N1"].after_ms) == ("failed", 500)
    assert (changes["N3"].before, changes["N3"].after, changes["N3"].after_ms) == (
        "standby",
        "active",
        500,
    )
    assert r.after.member("N3").flows > 0
    back = failover(lab, "h1", "T", Condition.none(), before=down, n_flows=10_000)
    changes = {c.name: c for c in back.changes}
    assert (changes["N3"].before, changes["N3"].after) == ("active", "standby")
    assert (changes["N1"].before, changes["N1"].after, changes["N1"].after_ms) == (
        "failed",
        "active",
        0,
    )
    assert back.after.member("N3").flows == 0


def test_lacp_silent_partner_outage_is_the_lacp_timeout() -> None:
    lab = team_lab(mode="Lacp", lag="active", lacp_timer="Slow")
    c = Condition.none().with_override(LACP_SILENT_KEY, ["switch:s1"])
    r = failover(lab, "h1", "T", c, n_flows=5_000)
    assert {(ch.name, ch.failure_reason, ch.after_ms) for ch in r.changes} == {
        ("N1", "LacpNegotiationIssue", 90_000),
        ("N2", "LacpNegotiationIssue", 90_000),
    }
    assert r.outage_ms == 90_000
    assert r.after.status == "Down"


def test_hypervport_vm_bandwidth_after_failure() -> None:
    """After a member fails its VMs move to a surviving member, still one member each."""
    lab = api.load(EXAMPLES / "ten-gig-cluster.yaml")
    c = Condition.from_elements(lab, ["switch:tor2"])  # VM-B is cabled to tor2
    r = failover(lab, "node1", "VMTeam", c, n_flows=20_000, seed=2)
    assert r.after.member("VM-B").state == "failed"
    for vm in r.after.vms:
        assert vm.members == ("VM-A",)
        assert vm.outbound_bps == 10 * 10**9 and vm.inbound_bps == 10 * 10**9
    moved_vms = {v.name for v in r.before.vms if v.members == ("VM-B",)}
    assert moved_vms  # some VM was on VM-B before
    assert sum(m.flows for m in r.moves) == r.before.member("VM-B").flows


@pytest.mark.parametrize(
    "mode,lag", [("SwitchIndependent", None), ("Static", "on"), ("Lacp", "active")]
)
def test_whole_switch_loss_takes_the_team_down(mode: str, lag: str | None) -> None:
    lab = team_lab(mode=mode, lag=lag)
    r = failover(lab, "h1", "T", Condition.from_elements(lab, ["switch:s1"]), n_flows=3_000)
    assert r.after.status == "Down"
    assert r.after.lost_bytes == r.after.bytes
    assert all(m.target is None for m in r.moves)
