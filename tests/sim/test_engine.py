"""The simulator composes the engines with their documented timers.

Each test names the behaviour and the source of the number it asserts; the
example labs' scenarios are run as they ship.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab, load_lab_text
from hvlab.model.scenario import Scenario
from hvlab.sim.engine import simulate
from hvlab.sim.faults import random_faults

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _events(result, obj: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.event for e in result.timeline if e.object == obj]


def _two_switch_lab(protocol: str, os: str = "WindowsServer2012", witness: bool = True) -> Lab:
    """Two switches joined by two cables (one blocked), one node on each, one VM each."""
    quorum = (
        "quorum: {model: NodeAndFileShareMajority, witness: FSW}"
        if witness
        else "quorum: {model: NodeMajority}"
    )
    return load_lab_text(
        f"""
name: two-switch
defaults: {{spanning_tree: {{protocol: {protocol}, path_cost: long}}, os: {os}}}
vlans: {{10: Mgmt}}
switches:
  sw1: {{mac: "00:00:00:00:00:01", spanning_tree: {{priority: 4096}}, ports: {{1-4: 10G}}}}
  sw2: {{mac: "00:00:00:00:00:02", ports: {{1-4: 10G}}}}
links:
  - ["sw1:1", "sw2:1"]
  - ["sw1:2", "sw2:2"]
  - ["node1:NIC1", "sw1:3"]
  - ["node2:NIC1", "sw2:3"]
hosts:
  node1: &node
    memory: 64GiB
    nics: {{NIC1: 10G}}
    vswitches: {{VS: {{uplink: NIC1, allow_management_os: true}}}}
    vnics: {{Mgmt: {{switch: VS, vlan: 10}}}}
  node2: *node
clusters:
  clu:
    nodes: [node1, node2]
    {quorum}
    networks: {{Mgmt: {{vlan: 10, role: ClusterAndClient}}}}
    csvs: {{V1: 1TiB}}
vms:
  A: {{cluster: clu, host: node1, memory: 4GiB, storage: V1, nics: [{{switch: VS, vlan: 10}}]}}
  B: {{cluster: clu, host: node2, memory: 4GiB, storage: V1, nics: [{{switch: VS, vlan: 10}}]}}
scenarios:
  cut:
    duration: 5m
    steps: [{{at: 10s, down: "link:sw1:1~sw2:1"}}]
  node2-dies:
    duration: 5m
    steps: [{{at: 10s, down: "node:node2"}}]
""",
        "two-switch.yaml",
    )


def test_rstp_vs_stp_convergence_is_visible_in_vm_downtime() -> None:
    """IEEE 802.1D-2004 §17: an 802.1D alternate port needs 2 x forward delay (30 s) to
    forward; RSTP's proposal/agreement takes milliseconds. 30 s of silence outlasts the
    2012 heartbeat route timeout (1 s x 5), so with STP a node is removed and its VM
    restarts; with RSTP nothing is felt."""
    rstp = simulate(_two_switch_lab("rstp"), "cut")
    stp = simulate(_two_switch_lab("stp"), "cut")
    rstp_down = sum(i.downtime_ms for i in rstp.impact)
    stp_down = sum(i.downtime_ms for i in stp.impact)
    assert rstp_down == 0
    assert stp_down >= 30_000
    assert any("removed from cluster membership" in e.event for e in stp.timeline)
    assert not any("removed from cluster membership" in e.event for e in rstp.timeline)


@pytest.mark.parametrize(
    ("os", "detect_ms"), [("WindowsServer2012", 5000), ("WindowsServer2016", 10_000)]
)
def test_node_loss_is_detected_after_delay_times_threshold(os: str, detect_ms: int) -> None:
    """Failover clustering heartbeats: 2012 SameSubnetDelay 1000 ms x SameSubnetThreshold 5;
    2016 1 s x 10 (hvlab.defaults cluster.* rows and their sources)."""
    result = simulate(_two_switch_lab("rstp", os), "node2-dies")
    removed = [e for e in result.timeline if "removed from cluster membership" in e.event]
    assert removed and removed[0].t_ms == 10_000 + detect_ms


def test_2016_compute_resiliency_holds_vms_before_failover() -> None:
    """Virtual Machine Compute Resiliency (2016): an Isolated node keeps its VMs for
    ResiliencyDefaultPeriod (240 s) before they fail over."""
    result = simulate(_two_switch_lab("rstp", "WindowsServer2016"), "node2-dies")
    restart = [e for e in result.timeline if e.object == "vms.B" and "failing over" in e.event]
    assert restart and restart[0].t_ms >= 10_000 + 240_000 - 1


def test_ten_gig_node_failure_restarts_by_preferred_owners_and_anti_affinity() -> None:
    """'Preferred Owners in a Cluster': SQL1 (preferred node1, node3) would go to node3,
    the next node in its list, but node3 runs SQL2 of the same AntiAffinityClassNames
    ('SQL'), which the cluster avoids when another node has room: node2."""
    result = simulate(load_lab(EXAMPLES / "ten-gig-cluster.yaml"), "node1-fails")
    [restart] = [e for e in result.timeline if e.object == "vms.SQL1" and "failing" in e.event]
    assert "from node1 to node2" in restart.event
    assert "next preferred owner" in restart.why and "skipped node3" in restart.why
    assert result.impact_of("vms.SQL1").where == "node2"
    # 2012: detected 5 s after the fault, then group online 5 s + boot 60 s (assumptions).
    assert result.impact_of("vms.SQL1").downtime_ms == 5000 + 5000 + 60_000


def test_ten_gig_isl_failure_sends_live_migration_over_the_1g_core() -> None:
    result = simulate(load_lab(EXAMPLES / "ten-gig-cluster.yaml"), "isl-fails")
    started = [e for e in result.timeline if e.object == "vms.SQL1" and "started over" in e.event]
    assert started and "core1" in started[0].event and "bottleneck 1G" in started[0].event
    done = [e for e in result.timeline if e.object == "vms.SQL1" and "complete" in e.event]
    # 64 GiB at 1 Gbit/s is over 9 minutes; over the 10 G inter-switch LAG it is about 1.
    assert done and done[0].t_ms - started[0].t_ms > 9 * 60_000
    assert 0 < result.impact_of("vms.SQL1").downtime_ms < 1000  # the blackout only
    assert all(i.downtime_ms == 0 for i in result.impact if i.object != "vms.SQL1")


def test_large_memory_vm_fails_with_3050_3320_and_40gb_starts() -> None:
    """Field note 'Assigning Large Memory To Virtual Machine Fails: Event ID 3320 & 3050'."""
    lab = load_lab(EXAMPLES / "large-memory-vm.yaml")
    big = simulate(lab, "start-50GB")
    events = _events(big, "vms.MYSERVER")
    assert any(e.startswith("event 3050:") and "not enough space" in e for e in events)
    assert any(e.startswith("event 3320:") for e in events)
    assert big.impact_of("vms.MYSERVER").state == "failed"
    small = simulate(lab, "start-40GB")
    assert small.impact_of("vms.MYSERVER-40").state == "running"


def test_sofs_pauses_where_active_passive_fails() -> None:
    """SMB 3 transparent failover with continuous availability vs a classic share."""
    lab = load_lab(EXAMPLES / "scale-out-file-server.yaml")
    sofs = simulate(lab, "sofs-owner-dies").impact_of("clusters.FSCLU.file_servers.ScalingOut")
    general = simulate(lab, "general-owner-dies").impact_of(
        "clusters.FSCLU.file_servers.TraditionalFS"
    )
    assert sofs.state == "copy continues"
    assert general.state == "copy fails"


def test_http10_check_takes_both_iis_servers_out_within_interval_times_retries() -> None:
    """KEMP defaults (interval 9 s, timeout 4 s, retry 2): a 400 to HEAD / HTTP/1.0 without
    Host marks each server down within one check interval; the fixed lab stays up."""
    broken = simulate(load_lab(EXAMPLES / "kemp-iis-host-headers.yaml"))
    marked = [e for e in broken.timeline if "marked down" in e.event]
    assert {e.event.split()[0] for e in marked} >= {"WEB1", "WEB2"}
    assert max(e.t_ms for e in marked if e.t_ms < 60_000) <= 9_000 * 2
    obj = "load_balancers.KEMP1.virtual_services.surveyor-web"
    assert broken.impact_of(obj).downtime_ms > 0
    fixed = simulate(load_lab(EXAMPLES / "kemp-iis-host-headers-fixed.yaml"))
    assert fixed.impact_of(obj).downtime_ms == 0
    assert fixed.impact_of(obj).degraded_ms > 0  # WEB1 dies at 60 s, noticed a few s later


def test_same_seed_gives_byte_identical_json() -> None:
    lab = load_lab(EXAMPLES / "kemp-iis-host-headers.yaml")
    a = json.dumps(simulate(lab, seed=7).as_dict())
    b = json.dumps(simulate(lab, seed=7).as_dict())
    assert a == b


EXAMPLE_SCENARIOS = [
    (path, name)
    for path in sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/lab.yaml")])
    for name in load_lab(path).scenarios
]


@pytest.mark.parametrize(
    ("path", "scenario"), EXAMPLE_SCENARIOS, ids=[f"{p.stem}:{s}" for p, s in EXAMPLE_SCENARIOS]
)
def test_every_example_scenario_runs_and_ends_consistent(path: Path, scenario: str) -> None:
    lab = load_lab(path)
    result = simulate(lab, scenario)
    for impact in result.impact:
        assert 0 <= impact.downtime_ms <= result.duration_ms
        if impact.object.startswith("vms.") and impact.state == "running":
            assert impact.where in lab.hosts
        if impact.object.startswith(("vms.", "load_balancers.")):
            # The recorded spans are the downtime, in order and not overlapping.
            spans = impact.intervals
            assert sum(b - a for a, b in spans) == impact.downtime_ms
            assert sum(b - a for a, b in impact.degraded_intervals) == impact.degraded_ms
            assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(spans))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=12))
def test_random_faults_keep_the_world_consistent(seed: int, count: int) -> None:
    """Property: after any run no VM runs on a host that is down or lacks its memory."""
    lab = load_lab(EXAMPLES / "ten-gig-cluster.yaml")
    scenario = random_faults(lab, count, seed=seed, duration_ms=3_600_000)
    result = simulate(lab, scenario, seed=seed)
    failed = {s.target for s in scenario.steps if s.verb == "down"} - {
        s.target for s in scenario.steps if s.verb == "up"
    }
    used: dict[str, int] = {}
    for impact in result.impact:
        if impact.object.startswith("vms.") and impact.state == "running":
            assert f"node:{impact.where}" not in failed
            vm = lab.vms[impact.object.removeprefix("vms.")]
            used[impact.where] = used.get(impact.where, 0) + vm.memory.startup
    for host, memory in used.items():
        assert memory <= lab.hosts[host].memory


def test_gantt_draws_each_outage_where_it_happened() -> None:
    """The text Gantt places bars from the recorded spans, not from the totals."""
    from hvlab.report.sim import gantt
    from hvlab.sim.result import Impact, SimResult

    result = SimResult(
        lab="t",
        scenario="s",
        seed=0,
        duration_ms=100_000,
        timeline=(),
        impact=(Impact("vms.A", 20_000, intervals=((10_000, 20_000), (80_000, 90_000))),),
    )
    (line,) = gantt(result, width=10)
    assert line.split("|")[1] == " █      █ "


def test_a_team_member_down_degrades_its_vms_by_that_members_speed() -> None:
    """node1's VM team loses VM-A (10G): its VMs run degraded, 10 Gb/s of uplink lost."""
    lab = load_lab(EXAMPLES / "ten-gig-cluster.yaml")
    scenario = Scenario.model_validate(
        {
            "name": "nic",
            "duration": "10m",
            "steps": [
                {"at": "10s", "down": "nic:node1:VM-A"},
                {"at": "70s", "up": "nic:node1:VM-A"},
            ],
        }
    )
    result = simulate(lab, scenario)
    on_node1 = [i for i in result.impact if i.object.startswith("vms.") and i.where == "node1"]
    assert on_node1
    for row in on_node1:
        assert row.downtime_ms == 0
        assert row.degraded_intervals == ((10_000, 70_000),)
        assert row.bandwidth_lost_bps == 10 * 10**9
    elsewhere = [i for i in result.impact if i.object.startswith("vms.") and i.where != "node1"]
    assert all(i.bandwidth_lost_bps == 0 for i in elsewhere)
