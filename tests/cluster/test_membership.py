"""Heartbeat timeouts, partitions, quorum and compute resiliency, against their sources."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from hvlab.cluster.membership import (
    cluster_os,
    node_isolation,
    node_status,
    quorum,
    route_timeout,
    route_timeout_ms,
    steady_votes,
)
from hvlab.model.cluster import Cluster
from hvlab.model.load import load_lab_text
from tests.cluster import build_lab


def _cluster(n: int = 4, **fields: object) -> Cluster:
    return Cluster.model_validate(
        {"name": "c", "nodes": [f"n{i}" for i in range(1, n + 1)], **fields}
    )


# --- Route timeouts: cluster common properties SameSubnetDelay/Threshold, ITPro 2016 table,
# --- "Tuning Failover Cluster Network Thresholds" (2012 R2 with Hyper-V).
def test_2016_node_loss_detected_at_10_s() -> None:
    # Field notes' 10 Gbps clusters on 2016+: SameSubnetDelay 1 s x SameSubnetThreshold 10.
    assert route_timeout_ms(_cluster(), "WindowsServer2016") == 10_000


def test_2012_node_loss_detected_at_5_s() -> None:
    # SameSubnetDelay 1000 ms x SameSubnetThreshold 5 (cluster common property pages).
    assert route_timeout_ms(_cluster(), "WindowsServer2012") == 5_000


def test_2012r2_with_hyper_v_uses_the_larger_thresholds() -> None:
    assert route_timeout_ms(_cluster(), "WindowsServer2012R2") == 10_000
    assert route_timeout_ms(_cluster(), "WindowsServer2012R2", "cross_subnet") == 20_000


def test_cross_subnet_and_cross_site_2016() -> None:
    assert route_timeout_ms(_cluster(), "WindowsServer2019", "cross_subnet") == 20_000
    assert route_timeout_ms(_cluster(), "WindowsServer2022", "cross_site") == 20_000


def test_cross_site_before_2016_uses_cross_subnet() -> None:
    result = route_timeout(_cluster(), "WindowsServer2012", "cross_site")
    assert result.kind == "cross_subnet"
    assert result.timeout_ms == 5_000
    assert "no site awareness" in result.explanation


def test_the_clusters_own_setting_wins_over_overrides_and_defaults() -> None:
    clu = _cluster(heartbeat={"same_subnet_delay": "2s"})
    result = route_timeout(clu, "WindowsServer2016", overrides={"cluster.SameSubnetDelay": "500ms"})
    assert (result.delay_ms, result.threshold, result.timeout_ms) == (2000, 10, 20_000)
    assert result.origin == ("cluster", "default")


def test_lab_timers_override_the_default() -> None:
    lab = load_lab_text(
        "name: x\n"
        "hosts: {a: {os: WindowsServer2016}, b: {os: WindowsServer2016}}\n"
        "clusters: {c: {nodes: [a, b]}}\n"
        "timers: {cluster.SameSubnetThreshold: 20}\n",
        "lab.yaml",
    )
    clu = lab.clusters["c"]
    result = route_timeout(clu, cluster_os(lab, clu), overrides=lab)
    assert result.timeout_ms == 20_000
    assert result.origin == ("default", "override")


def test_cluster_os_is_the_oldest_node() -> None:
    lab = build_lab(host_os={"n2": "WindowsServer2012R2"})
    assert cluster_os(lab, lab.clusters["clu"]) == "WindowsServer2012R2"


# --- Partitions.
def _up_except(cut: set[frozenset[str]]) -> Callable[[str, str, str], bool]:
    def up(a: str, b: str, net: str) -> bool:
        return frozenset((a, b)) not in cut

    return up


def test_node_cut_off_on_every_network_is_its_own_partition() -> None:
    clu = _cluster(
        3,
        networks={
            "Heartbeat": {"role": "Cluster"},
            "Management": {"role": "ClusterAndClient"},
        },
    )

    def up(a: str, b: str, net: str) -> bool:
        return "n3" not in (a, b)

    status = node_status(clu, up)
    assert status.partitions == (("n1", "n2"), ("n3",))
    assert any("n3: every route" in line for line in status.explanation)


def test_one_surviving_network_keeps_the_node_in() -> None:
    clu = _cluster(3, networks={"HB": {"role": "Cluster"}, "Mgmt": {"role": "ClusterAndClient"}})

    def up(a: str, b: str, net: str) -> bool:
        return net == "Mgmt" or "n3" not in (a, b)

    assert node_status(clu, up).partitions == (("n1", "n2", "n3"),)


def test_networks_with_role_none_carry_no_heartbeats() -> None:
    clu = _cluster(2, networks={"iSCSI": {"role": "None"}, "HB": {"role": "Cluster"}})

    def up(a: str, b: str, net: str) -> bool:
        return net == "iSCSI"

    assert node_status(clu, up).partitions == (("n1",), ("n2",))


def test_partially_connected_group_drops_its_worst_connected_node() -> None:
    # n1-n2, n2-n3 work, n1-n3 does not: n1 and n3 have one route each; the later one goes.
    status = node_status(_cluster(3), _up_except({frozenset(("n1", "n3"))}))
    assert status.removed == ("n3",)
    assert status.partitions == (("n1", "n2"), ("n3",))


def test_down_nodes_are_not_partitions() -> None:
    status = node_status(_cluster(4), lambda a, b, n: True, down_nodes={"n2"})
    assert status.down == ("n2",)
    assert status.partitions == (("n1", "n3", "n4"),)


def _random_links(rng: random.Random, nodes: tuple[str, ...]) -> dict[str, set[str]]:
    """Return node -> the nodes it reaches (itself too), symmetric, of a random density."""
    table = {n: {n} for n in nodes}
    density = rng.choice((0.2, 0.6, 0.95, 1.0))
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            if rng.random() < density:
                table[a].add(b)
                table[b].add(a)
    return table


def test_network_links_give_the_same_status_as_asking_pair_by_pair() -> None:
    """The bulk answers (what the simulator passes) change nothing but the speed."""
    nets = {"A": {"role": "Cluster"}, "B": {"role": "ClusterAndClient"}, "C": {"role": "None"}}
    clu = _cluster(9, networks=nets)
    rng = random.Random(5)
    for _ in range(300):
        links = {net: _random_links(rng, clu.nodes) for net in ("A", "B", "C")}
        down = {n for n in clu.nodes if rng.random() < 0.15}
        bulk_nets = {net for net in ("A", "B") if rng.random() < 0.7}
        asked: list[tuple[str, str, str]] = []

        def up(
            a: str,
            b: str,
            net: str,
            links: dict[str, dict[str, set[str]]] = links,
            asked: list[tuple[str, str, str]] = asked,
        ) -> bool:
            asked.append((a, b, net))
            return b in links[net][a]

        def bulk(
            net: str,
            links: dict[str, dict[str, set[str]]] = links,
            bulk_nets: set[str] = bulk_nets,
        ) -> dict[str, set[str]] | None:
            return links[net] if net in bulk_nets else None

        expected = node_status(clu, up, down_nodes=down)
        asked.clear()
        got = node_status(clu, up, down_nodes=down, network_links=bulk)
        assert got == expected
        assert not any(net in bulk_nets for _, _, net in asked)
        if bulk_nets == {"A", "B"}:
            assert not asked


# --- Quorum: "Understanding cluster and pool quorum" (dynamic quorum behaviour and the
# --- worked examples), "Configure and manage quorum".
OS = "WindowsServer2016"


def test_two_nodes_without_witness_zero_one_vote() -> None:
    votes = steady_votes(_cluster(2), OS)
    assert votes.node_weights == (("n1", 1), ("n2", 0))
    # The non-voting node dies: the survivor has 1 of 1 and survives.
    assert quorum(_cluster(2), [("n1",)], os=OS).running == ("n1",)
    # The voting node dies: 0 of 1, the cluster goes down.
    assert quorum(_cluster(2), [("n2",)], os=OS).running is None


def test_two_nodes_lower_quorum_priority_node_chooses_the_zeroed_vote() -> None:
    result = quorum(_cluster(2), [("n2",)], os=OS, lower_quorum_priority_node="n1")
    assert result.running == ("n2",)
    assert "LowerQuorumPriorityNodeID" in " ".join(result.votes_before.explanation)


def test_graceful_shutdown_of_the_voting_node_transfers_the_vote() -> None:
    # "If the voting node is gracefully powered down, the vote is transferred to the other node".
    assert quorum(_cluster(2), [("n2",)], os=OS, graceful={"n1"}).running == ("n2",)


def test_two_nodes_with_witness_survive_either_failure() -> None:
    clu = _cluster(2, quorum={"model": "NodeAndFileShareMajority", "witness": "\\\\fs\\w"})
    assert steady_votes(clu, OS).total == 3
    assert quorum(clu, [("n1",)], os=OS).running == ("n1",)
    assert quorum(clu, [("n2",)], os=OS).running == ("n2",)


def test_three_nodes_with_witness_survive_one_then_another() -> None:
    clu = _cluster(3, quorum={"model": "NodeAndDiskMajority", "witness": "Disk"})
    votes = steady_votes(clu, OS)
    assert votes.witness_weight == 0  # odd number of voting nodes: the witness does not vote
    first = quorum(clu, [("n1", "n2")], os=OS)
    assert first.running == ("n1", "n2")
    assert first.votes_after is not None and first.votes_after.witness_weight == 1
    second = quorum(clu, [("n1",)], os=OS, votes=first.votes_after)
    assert second.running == ("n1",)
    # Two at once: 1 of 3 votes.
    assert quorum(clu, [("n1",)], os=OS).running is None


def test_four_nodes_without_witness_two_simultaneous_failures_is_50_50() -> None:
    clu = _cluster(4)
    # n4's vote is zeroed (hvlab's choice for Windows' random pick): total 3.
    assert quorum(clu, [("n1", "n2")], os=OS).running == ("n1", "n2")
    assert quorum(clu, [("n3", "n4")], os=OS).running is None


def test_four_nodes_with_witness_survive_two_simultaneous_failures() -> None:
    clu = _cluster(4, quorum={"model": "NodeAndCloudWitness"})
    assert steady_votes(clu, OS).total == 5
    assert quorum(clu, [("n3", "n4")], os=OS).running == ("n3", "n4")


def test_50_50_split_goes_to_the_partition_that_wins_the_witness() -> None:
    clu = _cluster(4, quorum={"model": "NodeAndFileShareMajority", "witness": "\\\\fs\\w"})
    result = quorum(clu, [("n1", "n2"), ("n3", "n4")], os=OS, witness_reachable_by={"n3", "n4"})
    assert result.running == ("n3", "n4")
    assert [p.votes for p in result.partitions] == [2, 3]
    assert "stops its cluster service" in result.reason


def test_a_witness_race_between_equal_halves_goes_to_the_preferred_site() -> None:
    clu = _cluster(4, quorum={"model": "NodeAndCloudWitness"})
    # Both halves reach the witness: by default the half with the cluster's first node.
    assert quorum(clu, [("n1", "n2"), ("n3", "n4")], os=OS).running == ("n1", "n2")
    # With n3, n4 in the PreferredSite, that half takes it.
    won = quorum(clu, [("n1", "n2"), ("n3", "n4")], os=OS, preferred_nodes={"n3", "n4"})
    assert won.running == ("n3", "n4")
    # More node votes still beat the preferred site.
    three = _cluster(5, quorum={"model": "NodeAndCloudWitness"})
    bigger = quorum(three, [("n1", "n2", "n3"), ("n4", "n5")], os=OS, preferred_nodes={"n4"})
    assert bigger.running == ("n1", "n2", "n3")


def test_50_50_split_without_witness_uses_the_tie_breaker() -> None:
    clu = _cluster(4, quorum={"model": "NodeAndFileShareMajority"})
    result = quorum(
        clu,
        [("n1", "n2"), ("n3", "n4")],
        os=OS,
        witness_up=False,
        votes=steady_votes(clu, OS, witness_up=False, lower_quorum_priority_node="n1"),
    )
    assert result.running == ("n3", "n4")


def test_static_quorum_before_2012_loses_with_half_the_nodes() -> None:
    clu = _cluster(4)
    os = "WindowsServer2008R2"
    first = quorum(clu, [("n1", "n2", "n3")], os=os)
    assert first.running == ("n1", "n2", "n3")
    # No dynamic quorum: 2 of 4 configured votes is not a majority.
    assert quorum(clu, [("n1", "n2")], os=os, votes=first.votes_after).running is None


def test_dynamic_quorum_survives_sequential_failures_to_the_last_node() -> None:
    clu = _cluster(4)
    votes = None
    for survivors in (("n1", "n2", "n3"), ("n1", "n2"), ("n1",)):
        result = quorum(clu, [survivors], os=OS, votes=votes)
        assert result.running == survivors
        votes = result.votes_after


def test_disk_only_survives_with_the_disk() -> None:
    clu = _cluster(3, quorum={"model": "DiskOnly", "witness": "Disk"})
    result = quorum(clu, [("n1",), ("n2", "n3")], os=OS, witness_reachable_by={"n1"})
    assert result.running == ("n1",)
    assert quorum(clu, [("n1", "n2", "n3")], os=OS, witness_up=False).running is None


def test_one_node_and_witness_keep_the_witness_vote() -> None:
    # askcore, "Behavior of Dynamic Witness on Windows Server 2012 R2 Failover Clustering":
    # with one node and the witness left, losing the witness stops the cluster.
    clu = _cluster(4, quorum={"model": "NodeAndDiskMajority", "witness": "Disk"})
    last = steady_votes(clu, OS, ["n1"])
    assert (last.total, last.witness_weight) == (2, 1)
    assert quorum(clu, [("n1",)], os=OS, votes=last, witness_up=False).running is None


# --- Compute resiliency: "Virtual Machine Compute Resiliency in Windows Server 2016".
def test_2016_isolated_node_keeps_its_vms_unmonitored() -> None:
    result = node_isolation(_cluster(), OS, outage_ms=60_000)
    assert result.isolated and result.vm_state == "Unmonitored"
    assert result.failover_ms is None and result.rejoin_ms == 60_000
    assert result.resiliency_period_ms == 240_000


def test_2016_node_that_does_not_return_fails_over_after_the_period() -> None:
    result = node_isolation(_cluster(), OS, outage_ms=None)
    assert result.failover_ms == 10_000 + 240_000


def test_2012_fails_over_at_the_route_timeout() -> None:
    result = node_isolation(_cluster(), "WindowsServer2012", outage_ms=60_000)
    assert not result.isolated
    assert result.failover_ms == 5_000


def test_short_blip_changes_nothing() -> None:
    result = node_isolation(_cluster(), OS, outage_ms=3_000)
    assert result.failover_ms is None and not result.isolated


def test_third_unclean_exit_in_an_hour_quarantines_for_two_hours() -> None:
    result = node_isolation(_cluster(), OS, outage_ms=30_000, unclean_exits_in_hour=2)
    assert result.quarantined
    assert result.quarantine_until_ms == 10_000 + 7_200_000
    assert result.rejoin_ms == 10_000 + 7_200_000
    assert any("drained" in what for _, what in result.timeline)
    assert not node_isolation(_cluster(), OS, outage_ms=30_000, unclean_exits_in_hour=1).quarantined


def test_resiliency_period_from_the_cluster_and_from_timers() -> None:
    clu = _cluster(resiliency_period="60s")
    assert node_isolation(clu, OS, outage_ms=None).failover_ms == 70_000
    result = node_isolation(
        _cluster(), OS, outage_ms=None, overrides={"cluster.ResiliencyDefaultPeriod": "0s"}
    )
    assert not result.isolated and result.failover_ms == 10_000


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="unknown route kind"):
        route_timeout(_cluster(), OS, "elsewhere")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown Windows Server version"):
        route_timeout(_cluster(), "Windows2000")


def test_graceful_leave_keeps_a_healthy_witness_voting() -> None:
    # 3 nodes + witness: the witness does not vote (odd). n3 drains and shuts down cleanly:
    # its vote is removed first, so 2 nodes + the witness vote; n1 then dies and n2 with
    # the witness holds 2 of 3.
    clu = _cluster(3, quorum={"model": "NodeAndFileShareMajority", "witness": "\\\\fs\\w"})
    result = quorum(clu, [("n2",)], os=OS, graceful={"n3"})
    assert result.votes_before.witness_weight == 1
    assert result.running == ("n2",)
