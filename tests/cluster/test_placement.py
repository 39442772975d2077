"""Failover placement: preferred/possible owners, anti-affinity, priority, memory, preemption."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.cluster.placement import host_capacity, place
from hvlab.model.lab import Lab
from tests.cluster import GIB, build_lab

NODES4 = ("n1", "n2", "n3", "n4")


def test_vm_restarts_on_the_next_preferred_node() -> None:
    # "Preferred Owners in a Cluster" (Failover Clustering blog): preferred {3, 4} in a
    # 4-node cluster is internally {3, 4, 1, 2}; a group failing on node 4 moves to node 1.
    lab = build_lab(
        NODES4, vms={"vm": {"host": "n4", "memory": "4GiB", "preferred_owners": ["n3", "n4"]}}
    )
    result = place(lab, "clu", {"n4"})
    assert result.of("vm").target == "n1"
    assert result.of("vm").status == "started"
    assert "next preferred owner" in result.of("vm").reason


def test_next_preferred_node_after_the_failed_one() -> None:
    lab = build_lab(
        NODES4, vms={"vm": {"host": "n3", "memory": "4GiB", "preferred_owners": ["n3", "n4"]}}
    )
    assert place(lab, "clu", {"n3"}).of("vm").target == "n4"


def test_preferred_list_skips_nodes_that_are_down() -> None:
    lab = build_lab(
        NODES4, vms={"vm": {"host": "n3", "memory": "4GiB", "preferred_owners": ["n3", "n4"]}}
    )
    assert place(lab, "clu", {"n3"}, down_nodes={"n4"}).of("vm").target == "n1"


def test_without_preferred_owners_the_node_with_fewest_groups_wins() -> None:
    # "Understanding Hyper-V Virtual Machine (VM) Failover Policies": fewest groups first.
    vms: dict[str, Any] = {
        "a": {"host": "n2", "memory": "1GiB"},
        "b": {"host": "n2", "memory": "1GiB"},
        "c": {"host": "n3", "memory": "1GiB"},
        "x": {"host": "n1", "memory": "1GiB"},
        "y": {"host": "n1", "memory": "1GiB"},
    }
    result = place(build_lab(NODES4, vms=vms), "clu", {"n1"})
    assert result.of("x").target == "n4"  # n4 hosts 0 groups
    assert result.of("y").target == "n3"  # n3 and n4 now host 1; n3 comes first after n1


def test_possible_owners_restrict() -> None:
    vms = {"vm": {"host": "n1", "memory": "4GiB", "possible_owners": ["n1", "n3"]}}
    assert place(build_lab(NODES4, vms=vms), "clu", {"n1"}).of("vm").target == "n3"
    none_up = place(build_lab(NODES4, vms=vms), "clu", {"n1"}, down_nodes={"n3"})
    assert none_up.of("vm").status == "failed"
    assert none_up.of("vm").reason == "no possible owner is up"


def test_vm_that_fits_nowhere_stays_failed() -> None:
    lab = build_lab(("n1", "n2"), memory="64GiB", vms={"big": {"host": "n1", "memory": "63GiB"}})
    p = place(lab, "clu", {"n1"}).of("big")
    assert p.status == "failed" and p.target is None
    assert "not enough memory" in p.reason


def test_memory_fit_uses_host_memory_minus_reserve_minus_running_vms() -> None:
    # 64 GiB host, 2 GiB reserve, 40 GiB running: 22 GiB fit, 23 GiB do not.
    vms = {
        "resident": {"host": "n2", "memory": "40GiB"},
        "fits": {"host": "n1", "memory": "22GiB"},
    }
    assert place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"}).of("fits").target == "n2"
    vms["fits"]["memory"] = "23GiB"
    assert place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"}).of("fits").status == "failed"


def test_dynamic_memory_vm_needs_its_startup_memory() -> None:
    vms = {
        "dm": {
            "host": "n1",
            "memory": {"startup": "8GiB", "dynamic": True, "minimum": "2GiB", "maximum": "60GiB"},
        }
    }
    assert place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"}).of("dm").target == "n2"


def test_free_memory_input_replaces_the_computation() -> None:
    lab = build_lab(("n1", "n2", "n3"), vms={"vm": {"host": "n1", "memory": "8GiB"}})
    result = place(lab, "clu", {"n1"}, free_memory={"n2": 4 * GIB})
    assert result.of("vm").target == "n3"


def test_default_host_reserve_is_an_assumption() -> None:
    lab = build_lab(("n1", "n2"), host_reserve=None, vms={"vm": {"host": "n1", "memory": "1GiB"}})
    assert host_capacity(lab, "n2") == (64 * GIB, 2 * GIB, True)
    assert place(lab, "clu", {"n1"}).assumptions == ("hyperv.host_reserve",)


def test_anti_affinity_avoids_a_node_hosting_the_same_class() -> None:
    # Group property AntiAffinityClassNames: the next preferred node hosting no anti-affined
    # group is chosen.
    vms = {
        "web1": {"host": "n2", "memory": "1GiB", "anti_affinity": ["Web"]},
        "web2": {
            "host": "n1",
            "memory": "1GiB",
            "anti_affinity": ["Web"],
            "preferred_owners": ["n1", "n2", "n3"],
        },
    }
    assert place(build_lab(NODES4, vms=vms), "clu", {"n1"}).of("web2").target == "n3"


def test_soft_anti_affinity_is_ignored_when_no_other_node_has_room() -> None:
    vms: dict[str, Any] = {
        "web1": {"host": "n2", "memory": "1GiB", "anti_affinity": ["Web"]},
        "hog": {"host": "n3", "memory": "60GiB"},
        "web2": {"host": "n1", "memory": "4GiB", "anti_affinity": ["Web"]},
    }
    p = place(build_lab(("n1", "n2", "n3"), vms=vms), "clu", {"n1"}).of("web2")
    assert p.target == "n2"
    assert "AntiAffinityClassNames ignored" in p.reason


def test_enforced_anti_affinity_leaves_the_vm_failed() -> None:
    # ClusterEnforcedAntiAffinity = 1 prevents anti-affined groups sharing a node.
    vms: dict[str, Any] = {
        "web1": {"host": "n2", "memory": "1GiB", "anti_affinity": ["Web"]},
        "hog": {"host": "n3", "memory": "60GiB"},
        "web2": {"host": "n1", "memory": "4GiB", "anti_affinity": ["Web"]},
    }
    lab = build_lab(("n1", "n2", "n3"), vms=vms, cluster={"enforced_anti_affinity": True})
    assert place(lab, "clu", {"n1"}).of("web2").status == "failed"


def test_high_priority_is_placed_first() -> None:
    # CLUSTER_GROUP_PRIORITY: High 3000 before Medium 2000 before Low 1000.
    vms = {
        "low": {"host": "n1", "memory": "30GiB", "priority": "Low"},
        "high": {"host": "n1", "memory": "30GiB", "priority": "High"},
    }
    result = place(build_lab(("n1", "n2"), memory="40GiB", vms=vms), "clu", {"n1"})
    assert [p.vm for p in result.placements] == ["high", "low"]
    assert result.of("high").status == "started"
    assert result.of("low").status == "failed"


def test_no_auto_start_moves_but_does_not_start() -> None:
    vms = {"lab": {"host": "n1", "memory": "60GiB", "priority": "NoAutoStart"}}
    p = place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"}).of("lab")
    assert (p.status, p.target, p.start_wave) == ("not_started", "n2", None)


def test_vms_that_were_off_only_change_owner() -> None:
    vms = {"off": {"host": "n1", "memory": "100GiB", "state": "Off"}}
    p = place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"}).of("off")
    assert (p.status, p.target) == ("offline", "n2")


def test_high_priority_vm_preempts_low_priority_ones() -> None:
    # MinimumPreemptorPriority 1, MinimumNeverPreemptPriority 3000; preempted VMs go offline
    # and are placed again (workinghardinit, "Understanding VM Priority and Preemption").
    vms = {
        "low": {"host": "n2", "memory": "40GiB", "priority": "Low"},
        "sql": {"host": "n1", "memory": "30GiB", "priority": "High"},
    }
    result = place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"})
    assert result.of("sql").target == "n2"
    assert [(p.vm, p.node, p.by) for p in result.preempted] == [("low", "n2", "sql")]
    assert result.of("low").status == "failed"  # nowhere else to go


def test_high_priority_vms_are_never_preempted() -> None:
    vms = {
        "hi1": {"host": "n2", "memory": "40GiB", "priority": "High"},
        "hi2": {"host": "n1", "memory": "30GiB", "priority": "High"},
    }
    result = place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"})
    assert result.preempted == ()
    assert result.of("hi2").status == "failed"


def test_preempted_vm_is_placed_again_elsewhere() -> None:
    vms: dict[str, Any] = {
        "low": {"host": "n2", "memory": "20GiB", "priority": "Low"},
        "med": {"host": "n2", "memory": "20GiB"},
        "hog": {"host": "n3", "memory": "40GiB"},
        "sql": {
            "host": "n1",
            "memory": "30GiB",
            "priority": "High",
            "preferred_owners": ["n1", "n2"],
        },
    }
    # n2 and n3 have 22 GiB free each; preempting 'low' (lowest priority first) on n2 frees
    # enough for 'sql', and 'low' then fits on n3.
    result = place(build_lab(("n1", "n2", "n3"), vms=vms), "clu", {"n1"})
    assert result.of("sql").target == "n2"
    assert [p.vm for p in result.preempted] == ["low"]
    assert (result.of("low").status, result.of("low").target) == ("started", "n3")


def test_failover_threshold_leaves_the_group_failed() -> None:
    # FailoverThreshold default 0xFFFFFFFF = nodes - 1 failovers per FailoverPeriod (6 h).
    lab = build_lab(NODES4, vms={"vm": {"host": "n1", "memory": "1GiB"}})
    assert place(lab, "clu", {"n1"}, failovers_in_period={"vm": 2}).of("vm").status == "started"
    p = place(lab, "clu", {"n1"}, failovers_in_period={"vm": 3}).of("vm")
    assert p.status == "failed" and "FailoverThreshold" in p.reason


def test_starts_are_throttled_in_waves_of_32() -> None:
    # "Understanding Hyper-V VM Failover Policies": 32 VMs starting at once per node.
    vms = {f"vm{i:02}": {"host": "n1", "memory": "256MiB"} for i in range(40)}
    result = place(build_lab(("n1", "n2"), vms=vms), "clu", {"n1"})
    waves = [p.start_wave for p in result.placements]
    assert waves.count(0) == 32 and waves.count(1) == 8


def test_priorities_do_not_exist_before_2012() -> None:
    vms = {
        "low": {"host": "n1", "memory": "30GiB", "priority": "Low"},
        "high": {"host": "n1", "memory": "30GiB", "priority": "High"},
    }
    lab = build_lab(("n1", "n2"), os="WindowsServer2008R2", memory="40GiB", vms=vms)
    result = place(lab, "clu", {"n1"})
    assert result.of("low").status == "started"  # lab order, no priority
    assert "tried every node" in result.of("high").reason


def test_placement_is_deterministic() -> None:
    vms = {f"vm{i}": {"host": f"n{i % 4 + 1}", "memory": f"{i % 7 + 1}GiB"} for i in range(30)}
    lab = build_lab(NODES4, vms=vms)
    assert place(lab, "clu", {"n2"}) == place(lab, "clu", {"n2"})


# --- Property: no VM is ever placed on a node without the memory.
PRIORITIES = ("High", "Medium", "Low", "NoAutoStart")


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[Lab, str, set[str]]:
    n = draw(st.integers(2, 6))
    nodes = tuple(f"n{i}" for i in range(1, n + 1))
    vm_count = draw(st.integers(1, 25))
    vms: dict[str, Any] = {}
    for i in range(vm_count):
        fields: dict[str, Any] = {
            "host": draw(st.sampled_from(nodes)),
            "memory": draw(st.integers(1, 24)) * GIB // 2,
            "priority": draw(st.sampled_from(PRIORITIES)),
            "state": draw(st.sampled_from(("Running", "Running", "Running", "Off"))),
        }
        if draw(st.booleans()):
            fields["preferred_owners"] = draw(st.permutations(nodes))[: draw(st.integers(1, n))]
        if draw(st.integers(0, 4)) == 0:
            fields["possible_owners"] = draw(st.permutations(nodes))[: draw(st.integers(1, n))]
        if draw(st.booleans()):
            fields["anti_affinity"] = [draw(st.sampled_from(("A", "B")))]
        vms[f"vm{i}"] = fields
    lab = build_lab(
        nodes,
        memory=draw(st.integers(8, 48)) * GIB,
        vms=vms,
        cluster={"enforced_anti_affinity": draw(st.booleans())},
    )
    failed = draw(st.sampled_from(nodes))
    down = set(draw(st.lists(st.sampled_from(nodes), max_size=1))) - {failed}
    return lab, failed, down


@settings(max_examples=300, deadline=None)
@given(_scenario())
def test_no_vm_is_ever_placed_on_a_node_without_the_memory(
    scenario: tuple[Lab, str, set[str]],
) -> None:
    lab, failed, down = scenario
    result = place(lab, "clu", {failed}, down_nodes=down)
    preempted = {p.vm for p in result.preempted}
    final: dict[str, str | None] = {}
    status: dict[str, str] = {}
    for p in result.placements:
        final[p.vm] = p.target
        status[p.vm] = p.status
    running: dict[str, int] = defaultdict(int)
    for vm in lab.vms.values():
        if vm.name in status:
            if status[vm.name] == "started":
                target = final[vm.name]
                assert target is not None
                running[target] += vm.memory.startup
        elif vm.host is not None and vm.state in ("Running", "Paused") and vm.name not in preempted:
            running[vm.host] += vm.memory.startup
    # Resident VMs may over-commit a random lab's host before the failure; a node that
    # receives a started VM must have the room for everything running on it afterwards.
    receivers = {final[v] for v in status if status[v] == "started"}
    for node in receivers:
        assert node is not None and node != failed and node not in down
        memory, reserve, _ = host_capacity(lab, node)
        assert running[node] <= memory - reserve, (node, running[node], memory - reserve)
    # Every VM of the failed node gets exactly one final decision, never on a down node.
    for vm in lab.vms.values():
        if vm.host == failed:
            assert vm.name in final
            assert final[vm.name] not in {failed, *down}
    for name, target in final.items():
        if status[name] == "started":
            assert target in lab.clusters["clu"].nodes
            allowed = lab.vms[name].possible_owners
            assert not allowed or target in allowed
