"""Storms, MAC flapping, VLAN / native VLAN / LAG / MTU mismatches, written out literally."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.l2.loops import (
    LagMismatch,
    MacFlap,
    MtuMismatch,
    Storm,
    find_problems,
    lab_vlans,
    lag_mismatches,
    mac_flaps,
    mtu_mismatches,
    storms,
    vlan_mismatches,
)
from hvlab.l2.network import analyse
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def lab_of(text: str) -> Lab:
    return load_lab_text(text, "test.yaml")


# ---------------------------------------------------------------------------
# the field note's storm: a spare cable plugged into two free ports


SPARE_CABLE = """
name: spare-cable
vlans: {10: Users}
switches:
  sw1:
    mac: "00:00:00:00:00:01"
    spanning_tree: {protocol: PROTOCOL}
    ports: {1-8: 1G}
links:
  - ["pc1:NIC", "sw1:1"]
  - ["sw1:7", "sw1:8"]       # "tidying up" spare cables into free ports
hosts:
  pc1: {nics: {NIC: 1G}}
"""


def test_spare_cable_on_a_switch_without_stp_is_a_storm() -> None:
    view = analyse(lab_of(SPARE_CABLE.replace("PROTOCOL", "none")))
    loop = (("sw1",), ("sw1:7", "sw1:8"), ("link:sw1:7~sw1:8",), ("no spanning tree on sw1",))
    assert storms(view) == (Storm(1, *loop), Storm(10, *loop))
    assert storms(view)[0].message == (
        "broadcast storm in VLAN 1: loop through sw1 (sw1:7, sw1:8) that spanning tree does "
        "not break: no spanning tree on sw1"
    )
    # pc1 (untagged, VLAN 1) has its MAC learned on both loop ports in turn
    assert mac_flaps(view)[0] == MacFlap(
        1,
        "sw1",
        ("sw1:7", "sw1:8"),
        ("pc1",),
        "loop",
        "frames circulating on the loop carry every source MAC of the VLAN into both ports in turn",
    )


def test_spare_cable_with_rstp_is_a_backup_port_not_a_storm() -> None:
    view = analyse(lab_of(SPARE_CABLE.replace("PROTOCOL", "rstp")))
    assert storms(view) == ()
    assert mac_flaps(view) == ()
    assert str(view.stp.port("sw1", "8").role) == "backup"


TWO_SWITCHES = """
name: two-switches
switches:
  a: {mac: "00:00:00:00:00:01", spanning_tree: {protocol: rstp, priority: 4096}, ports: {1-2: 1G}}
  b:
    mac: "00:00:00:00:00:02"
    spanning_tree: {protocol: rstp}
    ports: {1: 1G, 2: {speed: 1G, bpdu_filter: true}}
links: [["a:1", "b:1"], ["a:2", "b:2"]]
"""


def test_bpdu_filter_lets_a_loop_through() -> None:
    view = analyse(lab_of(TWO_SWITCHES))
    found = storms(view)
    assert [(s.vlan, s.switches, s.ports, s.links, s.causes) for s in found] == [
        (
            1,
            ("a", "b"),
            ("a:1", "a:2", "b:1", "b:2"),
            ("link:a:1~b:1", "link:a:2~b:2"),
            ("bpdu_filter on b:2",),
        )
    ]
    flaps = mac_flaps(view, found)
    assert [(f.switch, f.ports) for f in flaps] == [("a", ("a:1", "a:2")), ("b", ("b:1", "b:2"))]
    # without the filter spanning tree blocks b:2
    fixed = analyse(lab_of(TWO_SWITCHES.replace(", bpdu_filter: true", "")))
    assert storms(fixed) == ()


def test_no_storm_in_the_examples() -> None:
    for name in ("ten-gig-cluster.yaml", "ten-gig-cluster-mstp.yaml", "ten-gig-cluster-star.yaml"):
        assert storms(analyse(api.load(EXAMPLES / name))) == ()


# ---------------------------------------------------------------------------
# MAC flapping without a loop: a Static team over two switches that are not a stack


def test_static_team_split_over_two_switches_flaps() -> None:
    lab = api.load(EXAMPLES / "nic-teaming-host.yaml")
    flaps = mac_flaps(analyse(lab))
    assert [(f.vlan, f.switch, f.ports, f.macs, f.cause) for f in flaps] == [
        (70, "acc", ("acc1:Po101", "acc1:Po102"), ("hv2:ST-Split/Replica",), "static-team-split"),
        (70, "lab1", ("lab1:7", "lab1:Po1"), ("hv2:ST-Split/Replica",), "static-team-split"),
        (70, "lab2", ("lab2:7", "lab2:Po1"), ("hv2:ST-Split/Replica",), "static-team-split"),
    ]
    # the Static teams split over the two members of the acc stack do not flap
    assert not [f for f in flaps if "ST-TP" in " ".join(f.macs)]


# ---------------------------------------------------------------------------
# VLAN mismatches


MISMATCH = """
name: vlan-mismatch
vlans: {10: A, 20: B, 30: C}
switches:
  s1:
    mac: "00:00:00:00:00:01"
    spanning_tree: {priority: 4096}
    ports:
      1: {speed: 10G, vlans: [10, 20]}
      2: {speed: 10G, mode: access, vlan: 10}
      3: {speed: 10G, vlans: [10, 20, 30], native_vlan: 30}
      4: {speed: 10G, mode: access, vlan: 10}
  s2:
    mac: "00:00:00:00:00:02"
    ports:
      1: {speed: 10G, vlans: [10]}
      2: {speed: 10G, vlans: [10]}
      3: {speed: 10G, vlans: [10, 20, 30], native_vlan: 20}
      4: {speed: 10G, mode: access, vlan: 20}
      5: {speed: 10G, vlans: [10]}
links:
  - ["s1:1", "s2:1"]
  - ["s1:2", "s2:2"]
  - ["s1:3", "s2:3"]
  - ["s1:4", "s2:4"]
  - ["h1:A", "s2:5"]
hosts:
  h1: {nics: {A: {speed: 10G, vlan: 30}}}
"""


def test_vlan_mismatches_across_links_and_at_hosts() -> None:
    found = vlan_mismatches(analyse(lab_of(MISMATCH)))
    assert [(m.kind, m.where, m.vlans_a_only, m.vlans_b_only) for m in found] == [
        ("allowed", "link:s1:1~s2:1", (20,), ()),
        ("access-trunk", "link:s1:2~s2:2", (), ()),
        ("native", "link:s1:3~s2:3", (30,), (20,)),
        ("access-vlan", "link:s1:4~s2:4", (10,), (20,)),
        ("host-vlan", "nic:h1:A", (30,), ()),
    ]
    assert found[0].message == (
        "allowed VLANs differ across link:s1:1~s2:1: 20 only on s1:1 (frames of those VLANs "
        "are dropped at the other end)"
    )
    assert found[2].message == (
        "native VLAN mismatch across link:s1:3~s2:3: s1:3 native 30, s2:3 native 20: "
        "untagged frames change VLAN on the way"
    )
    assert found[4].message == (
        "h1:A sends VLAN 30 on h1:A, but s2:5 (trunk 10 native 1) does not carry VLAN 30: "
        "those frames are dropped"
    )


def test_native_vlan_mismatch_alone() -> None:
    lab = lab_of(
        """
name: native
switches:
  s1: {mac: "00:00:00:00:00:01", ports: {1: {speed: 1G, vlans: [10, 99], native_vlan: 99}}}
  s2: {mac: "00:00:00:00:00:02", ports: {1: {speed: 1G, vlans: [10, 99]}}}
links: [["s1:1", "s2:1"]]
"""
    )
    found = vlan_mismatches(analyse(lab))
    assert [(m.kind, m.a, m.b, m.a_config, m.b_config) for m in found] == [
        ("native", "s1:1", "s2:1", "trunk 10,99 native 99", "trunk 10,99 native 1")
    ]


def test_lab_vlans() -> None:
    assert lab_vlans(analyse(lab_of(MISMATCH))) == (10, 20, 30)
    assert lab_vlans(analyse(api.load(EXAMPLES / "ten-gig-cluster.yaml"))) == (10, 20, 30, 40, 100)


# ---------------------------------------------------------------------------
# LAG mismatches


LAGS = """
name: lags
switches:
  a:
    mac: "00:00:00:00:00:01"
    ports: {1: 10G, 2: {speed: 1G, mtu: 9216}}
    lags: {Po1: {members: [1, 2]}}
  b:
    mac: "00:00:00:00:00:02"
    ports: {1-2: 10G, 3-4: 10G}
    lags: {Po1: {members: [1, 2], lacp: passive}, Po2: {members: [3, 4], lacp: active}}
  c:
    mac: "00:00:00:00:00:03"
    ports: {1-2: 10G}
    lags: {Po1: {members: [1, 2], lacp: "on"}}
links: [["a:1", "b:1"], ["a:2", "b:2"], ["c:1", "b:3"], ["c:2", "b:4"]]
"""


def test_lag_mismatches() -> None:
    view = analyse(lab_of(LAGS))
    found = lag_mismatches(view)
    assert [(m.kind, m.lag, m.setting) for m in found] == [
        ("member-settings", "lag:a:Po1", "speed"),
        ("member-settings", "lag:a:Po1", "mtu"),
        ("lacp", "lag:c:Po1", None),
        ("lacp", "lag:c:Po1", None),
    ]
    assert found[0].values == (("a:1", "10000000000"), ("a:2", "1000000000"))
    assert found[2] == LagMismatch(
        "lacp",
        "lag:c:Po1",
        None,
        (("cable", "link:c:1~b:3"),),
        "c:Po1 (on) to b:Po2 (active): LACP against a static bundle: the LACP end hears no "
        "LACPDU, ends Defaulted and does not aggregate (suspends the port)",
    )
    # a:Po1 (active) with b:Po1 (passive) bundles: one link; b:Po2 has none
    assert [link.id for link in view.topology.topology.links] == ["a:Po1~b:Po1"]


# ---------------------------------------------------------------------------
# MTU


def test_no_mtu_mismatch_with_jumbo_frames_end_to_end() -> None:
    assert mtu_mismatches(analyse(api.load(EXAMPLES / "direct-iscsi-guest.yaml"))) == ()


def test_mtu_mismatch_on_one_switch_port() -> None:
    view = analyse(api.load(EXAMPLES / "direct-iscsi-guest-mtu-mismatch.yaml"))
    assert mtu_mismatches(view) == (
        MtuMismatch(
            "link",
            None,
            "link:san1:iSCSI-B~iscsi-sw2:24",
            1500,
            9000,
            ("san1:iSCSI-B", "iscsi-sw2:24"),
            "san1:iSCSI-B uses MTU 9000 but its switch port iscsi-sw2:24 has MTU 1500: packets "
            "above 1500 bytes are dropped",
        ),
        MtuMismatch(
            "path",
            202,
            "iscsi-sw2:24 → san1:iSCSI-B",
            1500,
            9000,
            ("FS01:iSCSI2 ↔ san1:iSCSI-B", "SQL01:iSCSI2 ↔ san1:iSCSI-B"),
            "VLAN 202: iscsi-sw2:24 → san1:iSCSI-B passes only MTU 1500 on the path of 2 "
            "endpoint pair(s) using MTU 9000 (FS01:iSCSI2 ↔ san1:iSCSI-B; SQL01:iSCSI2 ↔ "
            "san1:iSCSI-B): large frames are dropped while small ones pass, so the path looks up",
        ),
    )


def test_switch_mtu_9014_and_9216_pass_9000() -> None:
    text = (EXAMPLES / "direct-iscsi-guest-mtu-mismatch.yaml").read_text()
    for value in ("9014", "9216", "9000"):
        fixed = text.replace("vlan: 202, mtu: 1500", f"vlan: 202, mtu: {value}")
        assert mtu_mismatches(analyse(lab_of(fixed))) == (), value
    assert mtu_mismatches(analyse(lab_of(text.replace("mtu: 1500", "mtu: 8999"))))


def test_rstp_reroute_over_the_core_breaks_jumbo_frames() -> None:
    lab = api.load(EXAMPLES / "ten-gig-cluster.yaml")
    assert mtu_mismatches(analyse(lab)) == ()
    view = analyse(lab, Condition.from_elements(lab, ["lag:tor1:Po1"]))
    found = mtu_mismatches(view)
    assert [(m.kind, m.vlan, m.where, m.mtu, m.needed, len(m.between)) for m in found] == [
        ("path", 30, "tor1:Po2 → core1:Po2", 1500, 9000, 4),
        ("path", 40, "tor1:Po2 → core1:Po2", 1500, 9000, 4),
    ]
    assert found[1].between[0] == "node1:LM ↔ node3:LM"


@pytest.mark.parametrize(
    "name", ["ten-gig-cluster.yaml", "ten-gig-cluster-mstp.yaml", "ten-gig-cluster-star.yaml"]
)
def test_ten_gig_variants_have_no_storm_lag_or_mtu_problem(name: str) -> None:
    problems = find_problems(analyse(api.load(EXAMPLES / name)))
    assert problems.storms == ()
    assert problems.mac_flaps == ()
    assert problems.lag_mismatches == ()
    assert problems.mtu_mismatches == ()
