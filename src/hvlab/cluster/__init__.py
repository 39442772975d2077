"""The failover cluster engine: membership, placement, storage, migration, replica, SMB.

Pure functions of explicit inputs, returning frozen result objects; no time, files or
terminal. The simulator composes them with its Condition (what is down) and clock.

* :mod:`~hvlab.cluster.membership` — heartbeat route timeouts, partitions, quorum
  (dynamic quorum, dynamic witness, tie-breaker), compute resiliency and quarantine.
* :mod:`~hvlab.cluster.placement` — where the VMs of failed nodes restart.
* :mod:`~hvlab.cluster.storage` — saved-state reservations on CSVs (events 3050/3320) and
  CSV redirected access.
* :mod:`~hvlab.cluster.migration` — live, storage and shared-nothing migration, drain.
* :mod:`~hvlab.cluster.replica` — Hyper-V Replica RPO and failovers.
* :mod:`~hvlab.cluster.sites` — sites: WAN routes, replication bandwidth shares, IP mobility
  after a move to another site, witness reach and heartbeat kinds of stretched clusters.
* :mod:`~hvlab.cluster.fileserver` — a copy to a SOFS vs an active-passive share when the
  serving node dies.

Every default and assumption these modules use is an entry of :mod:`hvlab.defaults`,
overridable under ``timers:`` in a lab file.
"""

from __future__ import annotations

from hvlab.cluster.fileserver import FileCopyOutcome, copy_during_owner_failure
from hvlab.cluster.membership import (
    NodeStatus,
    PartitionVotes,
    QuorumResult,
    ResiliencyResult,
    RouteTimeout,
    VoteState,
    cluster_os,
    node_isolation,
    node_status,
    quorum,
    route_timeout,
    route_timeout_ms,
    steady_votes,
)
from hvlab.cluster.migration import (
    DrainResult,
    LiveMigrationResult,
    SharedNothingResult,
    StorageMigrationResult,
    disk_bytes,
    drain,
    live_migration,
    migration_rate,
    precopy,
    shared_nothing_migration,
    storage_migration,
)
from hvlab.cluster.placement import PlacementResult, Preemption, VmPlacement, place
from hvlab.cluster.replica import (
    ReplicaFailover,
    ReplicaResult,
    data_loss_ms,
    effective_rpo_ms,
    planned_failover,
    replication,
    test_failover,
    unplanned_failover,
)
from hvlab.cluster.sites import (
    Mobility,
    WanRoute,
    cluster_sites,
    heartbeat_route_kind,
    joined,
    mobility,
    replica_target_hosts,
    replica_target_site,
    replicating_vms,
    replication_demand_bps,
    replication_share_bps,
    replication_shares,
    routed_reachable,
    site_of,
    stretched,
    vm_reachable_after_move,
    wan_route,
    witness_reachable_by,
)
from hvlab.cluster.storage import (
    CsvAccess,
    CsvUsage,
    NodeFailureStorage,
    StartCheck,
    can_start,
    csv_access,
    csv_network,
    csv_usage,
    node_failure_storage,
    reservation,
    worst_node_failure,
)

__all__ = [
    "CsvAccess",
    "CsvUsage",
    "DrainResult",
    "FileCopyOutcome",
    "LiveMigrationResult",
    "Mobility",
    "NodeFailureStorage",
    "NodeStatus",
    "PartitionVotes",
    "PlacementResult",
    "Preemption",
    "QuorumResult",
    "ReplicaFailover",
    "ReplicaResult",
    "ResiliencyResult",
    "RouteTimeout",
    "SharedNothingResult",
    "StartCheck",
    "StorageMigrationResult",
    "VmPlacement",
    "VoteState",
    "WanRoute",
    "can_start",
    "cluster_os",
    "cluster_sites",
    "copy_during_owner_failure",
    "csv_access",
    "csv_network",
    "csv_usage",
    "data_loss_ms",
    "disk_bytes",
    "drain",
    "effective_rpo_ms",
    "heartbeat_route_kind",
    "joined",
    "live_migration",
    "migration_rate",
    "mobility",
    "node_failure_storage",
    "node_isolation",
    "node_status",
    "place",
    "planned_failover",
    "precopy",
    "quorum",
    "replica_target_hosts",
    "replica_target_site",
    "replicating_vms",
    "replication",
    "replication_demand_bps",
    "replication_share_bps",
    "replication_shares",
    "reservation",
    "route_timeout",
    "route_timeout_ms",
    "routed_reachable",
    "shared_nothing_migration",
    "site_of",
    "steady_votes",
    "storage_migration",
    "stretched",
    "test_failover",
    "unplanned_failover",
    "vm_reachable_after_move",
    "wan_route",
    "witness_reachable_by",
    "worst_node_failure",
]
