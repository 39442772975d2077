"""Documented limits: LBFO teams, SET switches, guest teams.

Sources: Microsoft Learn "NIC Teaming" (1-32 members, 32 team interfaces, no host vNICs,
VLANs on the Hyper-V switch, guest teams: two members, different external switches,
AllowTeaming, Switch Independent + Address Hash), "NIC Teaming settings" (standby),
New-NetLbfoTeam (mixed speeds), "RDMA and Switch Embedded Teaming" (SET: 1-8 identical NICs,
Windows Server 2016+), microsoft/Convert-LBFO2SET (no LBFO under a vSwitch on 2022+),
field notes (vendors mixed OK, no team of teams, no teams over third-party teams).
"""

from __future__ import annotations

from typing import Any

from hvlab.model.lab import Lab
from hvlab.teaming import check_guest_team, check_set, check_team
from hvlab.teaming.limits import LBFO_MAX_INTERFACES, LBFO_MAX_MEMBERS, SET_MAX_MEMBERS


def host_lab(host: dict[str, Any], vms: dict[str, Any] | None = None, **extra: Any) -> Lab:
    # model_validate skips the loader's cross-reference checks on purpose: some of these
    # designs (a vNIC as team member) are rejected there already.
    return Lab.model_validate({"name": "x", "hosts": {"h": host}, "vms": vms or {}, **extra})


def codes(violations: tuple[Any, ...]) -> set[str]:
    return {v.code for v in violations}


def nics(n: int, **kw: Any) -> dict[str, Any]:
    return {f"N{i}": {"speed": "10G", **kw} for i in range(n)}


def test_member_count_limits() -> None:
    assert LBFO_MAX_MEMBERS == 32
    ok = host_lab({"nics": nics(32), "teams": {"T": {"members": list(nics(32))}}})
    assert "lbfo.members.count" not in codes(check_team(ok, "h", "T"))
    big = host_lab({"nics": nics(33), "teams": {"T": {"members": list(nics(33))}}})
    v = next(v for v in check_team(big, "h", "T") if v.code == "lbfo.members.count")
    assert v.severity == "error" and "33" in v.message and v.object == "hosts.h.teams.T"
    one = host_lab({"nics": nics(1), "teams": {"T": {"members": ["N0"]}}})
    assert "lbfo.members.single" in codes(check_team(one, "h", "T"))


def test_standby_rules() -> None:
    lab = host_lab(
        {
            "nics": nics(3),
            "teams": {
                "SI": {"members": ["N0", "N1"], "standby": "N1"},
                "ST": {"members": ["N2"], "standby": "N2", "mode": "Static"},
            },
        }
    )
    assert "lbfo.standby.two-members" in codes(check_team(lab, "h", "SI"))
    got = codes(check_team(lab, "h", "ST"))
    assert {"lbfo.standby.mode", "lbfo.standby.only-member"} <= got


def test_team_interfaces() -> None:
    assert LBFO_MAX_INTERFACES == 32
    many = {f"I{v}": {"vlan": v} for v in range(1, 34)}
    lab = host_lab({"nics": nics(2), "teams": {"T": {"members": ["N0", "N1"], "interfaces": many}}})
    assert "lbfo.interfaces.count" in codes(check_team(lab, "h", "T"))
    dup = {"A": {"vlan": 10}, "B": {"vlan": 10}, "C": {}, "D": {"vlan": 0}}
    lab = host_lab({"nics": nics(2), "teams": {"T": {"members": ["N0", "N1"], "interfaces": dup}}})
    msgs = [
        v.message for v in check_team(lab, "h", "T") if v.code == "lbfo.interfaces.vlan-duplicate"
    ]
    assert len(msgs) == 2 and any("default interface" in m for m in msgs)


def test_team_under_a_hyperv_switch_has_only_the_default_interface() -> None:
    """'When a team connects to a Hyper-V Virtual Switch, all VLAN segregation must be done
    in the Hyper-V Virtual Switch rather than in NIC Teaming.'"""
    lab = host_lab(
        {
            "os": "WindowsServer2012R2",
            "nics": nics(2),
            "teams": {"T": {"members": ["N0", "N1"], "interfaces": {"VM": {"vlan": 100}}}},
            "vswitches": {"VS": {"uplink": "T"}},
        }
    )
    assert "lbfo.interfaces.vswitch" in codes(check_team(lab, "h", "T"))
    lab = host_lab(
        {
            "os": "WindowsServer2012R2",
            "nics": nics(2),
            "teams": {"T": {"members": ["N0", "N1"]}},
            "vswitches": {"VS": {"uplink": "T"}},
        }
    )
    assert codes(check_team(lab, "h", "T")) == set()


def test_no_lbfo_under_a_vswitch_from_2022() -> None:
    lab = host_lab(
        {
            "os": "WindowsServer2022",
            "nics": nics(2),
            "teams": {"T": {"members": ["N0", "N1"]}},
            "vswitches": {"VS": {"uplink": "T"}},
        }
    )
    assert "lbfo.vswitch.os" in codes(check_team(lab, "h", "T"))


def test_mixed_speeds_vendors_nesting_vnics_third_party() -> None:
    lab = host_lab(
        {
            "nics": {
                "A": {"speed": "1G", "vendor": "Intel"},
                "B": {"speed": "10G", "vendor": "Broadcom"},
                "C": "10G",
                "D": "10G",
                "E": {"speed": "10G", "third_party_team": "Intel ANS"},
            },
            "teams": {
                "Mixed": {"members": ["A", "B"]},
                "Inner": {"members": ["C", "D"]},
                "Outer": {"members": ["Inner", "vmgmt"]},
                "Ans": {"members": ["E"]},
            },
            "vswitches": {"VS": {"type": "Internal"}},
            "vnics": {"vmgmt": {"switch": "VS"}},
        }
    )
    mixed = {v.code: v.severity for v in check_team(lab, "h", "Mixed")}
    assert mixed["lbfo.members.speed-mixed"] == "warning"
    assert mixed["lbfo.members.vendors-mixed"] == "info"  # supported
    outer = codes(check_team(lab, "h", "Outer"))
    assert {"lbfo.members.team", "lbfo.members.vnic"} <= outer
    assert "lbfo.members.third-party" in codes(check_team(lab, "h", "Ans"))


def test_incompatible_features_on_members() -> None:
    lab = host_lab(
        {
            "nics": {
                "R1": {"speed": "10G", "features": ["rdma", "sriov", "tcp_chimney", "vmq"]},
                "R2": "10G",
            },
            "teams": {"T": {"members": ["R1", "R2"]}},
        }
    )
    got = codes(check_team(lab, "h", "T"))
    assert {"lbfo.features.rdma", "lbfo.features.sriov", "lbfo.features.tcp_chimney"} <= got
    assert "lbfo.features.vmq" not in got


def test_in_box_teaming_needs_2012() -> None:
    lab = host_lab(
        {"os": "WindowsServer2008R2", "nics": nics(2), "teams": {"T": {"members": ["N0", "N1"]}}}
    )
    assert "lbfo.os" in codes(check_team(lab, "h", "T"))


def test_switch_side_errors_reported() -> None:
    lab = Lab.model_validate(
        {
            "name": "x",
            "switches": {
                "s1": {"ports": {"1-2": "10G"}, "lags": {"Po1": {"members": [1, 2], "lacp": "on"}}}
            },
            "links": [["h:N0", "s1:1"], ["h:N1", "s1:2"]],
            "hosts": {
                "h": {"nics": nics(2), "teams": {"T": {"members": ["N0", "N1"], "mode": "Lacp"}}}
            },
        }
    )
    v = [v for v in check_team(lab, "h", "T") if v.code == "lbfo.switch.not-bundled"]
    assert len(v) == 2 and all(x.severity == "error" for x in v)


# --------------------------------------------------------------------------------------
# SET
# --------------------------------------------------------------------------------------


def set_lab(os: str, members: dict[str, Any]) -> Lab:
    return host_lab(
        {
            "os": os,
            "nics": members,
            "vswitches": {"SET": {"members": list(members), "algorithm": "Dynamic"}},
        }
    )


def test_set_constraints() -> None:
    assert SET_MAX_MEMBERS == 8
    same = {f"S{i}": {"speed": "25G", "vendor": "Mellanox", "model": "CX4"} for i in range(8)}
    assert codes(check_set(set_lab("WindowsServer2016", same), "h", "SET")) == set()
    nine = {f"S{i}": {"speed": "25G", "vendor": "Mellanox", "model": "CX4"} for i in range(9)}
    assert "set.members.count" in codes(check_set(set_lab("WindowsServer2016", nine), "h", "SET"))
    mixed = {
        "S0": {"speed": "25G", "vendor": "Mellanox", "model": "CX4"},
        "S1": {"speed": "25G", "vendor": "Intel", "model": "XXV710"},
    }
    assert "set.members.identical" in codes(
        check_set(set_lab("WindowsServer2019", mixed), "h", "SET")
    )
    assert "set.os" in codes(check_set(set_lab("WindowsServer2012R2", same), "h", "SET"))


def test_set_features_rdma_fine_rss_disabled() -> None:
    nic = {
        "speed": "25G",
        "vendor": "M",
        "model": "X",
        "features": ["rdma", "sriov", "rss", "dot1x"],
    }
    lab = set_lab("WindowsServer2016", {"S0": nic, "S1": nic})
    got = {v.code: v.severity for v in check_set(lab, "h", "SET")}
    assert "set.features.rdma" not in got and "set.features.sriov" not in got
    assert got["set.features.rss"] == "info"
    assert got["set.features.dot1x"] == "warning"


# --------------------------------------------------------------------------------------
# Guest teams
# --------------------------------------------------------------------------------------


def guest_lab(team: dict[str, Any], nics_: list[dict[str, Any]]) -> Lab:
    host = {
        "nics": nics(2),
        "vswitches": {
            "Ext1": {"uplink": "N0"},
            "Ext2": {"uplink": "N1"},
            "Int": {"type": "Internal"},
        },
    }
    vms = {"G": {"host": "h", "memory": "4GiB", "nics": nics_, "guest_teams": {"GT": team}}}
    return host_lab(host, vms)


def good_nics() -> list[dict[str, Any]]:
    return [
        {"name": "E1", "switch": "Ext1", "allow_teaming": True},
        {"name": "E2", "switch": "Ext2", "allow_teaming": True},
    ]


def test_supported_guest_team() -> None:
    lab = guest_lab({"members": ["E1", "E2"]}, good_nics())
    assert check_guest_team(lab, "G", "GT") == ()


def test_guest_team_mode_and_algorithm() -> None:
    lab = guest_lab(
        {"members": ["E1", "E2"], "mode": "Lacp", "algorithm": "HyperVPort"}, good_nics()
    )
    assert {"guest.mode", "guest.algorithm"} <= codes(check_guest_team(lab, "G", "GT"))
    for alg in ("TransportPorts", "IPAddresses", "MacAddresses"):
        lab = guest_lab({"members": ["E1", "E2"], "algorithm": alg}, good_nics())
        assert check_guest_team(lab, "G", "GT") == ()


def test_guest_team_members() -> None:
    three = [*good_nics(), {"name": "E3", "switch": "Ext1", "allow_teaming": True}]
    lab = guest_lab({"members": ["E1", "E2", "E3"]}, three)
    assert {"guest.members.count", "guest.members.same-switch"} <= codes(
        check_guest_team(lab, "G", "GT")
    )
    same = [
        {"name": "E1", "switch": "Ext1", "allow_teaming": True},
        {"name": "E2", "switch": "Ext1"},
    ]
    got = codes(check_guest_team(guest_lab({"members": ["E1", "E2"]}, same), "G", "GT"))
    assert {"guest.members.same-switch", "guest.members.allow-teaming"} <= got
    internal = [
        {"name": "E1", "switch": "Ext1", "allow_teaming": True},
        {"name": "E2", "switch": "Int", "allow_teaming": True},
    ]
    got = codes(check_guest_team(guest_lab({"members": ["E1", "E2"]}, internal), "G", "GT"))
    assert got == {"guest.members.external"}
