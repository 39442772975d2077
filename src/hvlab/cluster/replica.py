"""Hyper-V Replica: replication frequency, whether the link keeps up, RPO, failovers.

Replica ships the changes of each interval (``ReplicationFrequencySec``: 5 min on 2012;
30 s, 5 min or 15 min from 2012 R2) to the replica server. A cycle's changes become a
recovery point when their transfer completes. When a cycle's changes take longer to send
than the interval, cycles queue and the replica falls further behind: the effective RPO
grows for as long as that lasts.

Timing model (integer ms, ``f`` the interval, ``X`` the time to send one interval's
changes over the link): cycle ``k`` (the changes up to ``k·f``) is replicated at
``max(k·f + X, f + k·X)`` — right after its interval when the link keeps up
(``X ≤ f``), back to back when it does not. After an unplanned failover at time ``t``
(ms since replication was last in sync) the data lost is ``t`` minus the newest
replicated cycle end; it is never negative and never more than the effective RPO
``f + X + max(0, t·(X − f)/X)``.

Failovers: *test* (a copy of the replica VM, named ``<VM> - Test``, starts on an isolated
network; replication continues), *planned* (the primary is shut down, the last changes
are sent, the replica starts: no data loss; needs the primary host and the link), and
*unplanned* (the primary is gone; the replica starts from its latest recovery point and
the changes since are lost). Replica failover is started by an operator: the time to
notice and decide is not part of these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from hvlab.cluster.membership import host_os, lab_ms, lab_value
from hvlab.defaults import DEFAULTS, get_default, replica_frequencies
from hvlab.model.lab import Lab
from hvlab.model.vm import VirtualMachine

__all__ = [
    "ReplicaFailover",
    "ReplicaResult",
    "data_loss_ms",
    "effective_rpo_ms",
    "planned_failover",
    "replication",
    "test_failover",
    "unplanned_failover",
]

CHANGE_RATE: Final = get_default("replica.change_rate")
COMPRESSION_RATIO: Final = get_default("replica.compression_ratio")
"""Defaults this module needs that :mod:`hvlab.defaults` does not have yet."""

_MIB: Final = 2**20
_HOUR_MS: Final = 3_600_000


def effective_rpo_ms(frequency_ms: int, transfer_ms: int | None, elapsed_ms: int = 0) -> int:
    """Return the most data (ms) an unplanned failover can lose ``elapsed_ms`` after sync.

    ``f + X`` while the link keeps up (``X ≤ f``); growing by ``(X − f)/X`` ms per ms when it
    does not; ``f + elapsed`` when nothing gets through (``transfer_ms`` ``None``).
    """
    if frequency_ms <= 0 or elapsed_ms < 0:
        raise ValueError("frequency_ms must be positive and elapsed_ms not negative")
    if transfer_ms is None:
        return frequency_ms + elapsed_ms
    growth = 0
    if transfer_ms > frequency_ms:
        growth = -(-elapsed_ms * (transfer_ms - frequency_ms) // transfer_ms)
    return frequency_ms + transfer_ms + growth


def data_loss_ms(frequency_ms: int, transfer_ms: int | None, failure_ms: int) -> int:
    """Return the ms of changes lost when the primary fails ``failure_ms`` after sync.

    The newest recovery point is the end of the last cycle whose transfer finished by then
    (see the module docstring); the loss is the time since it, ``≥ 0`` and ``≤``
    :func:`effective_rpo_ms` at ``failure_ms``.
    """
    if frequency_ms <= 0 or failure_ms < 0:
        raise ValueError("frequency_ms must be positive and failure_ms not negative")
    f, t = frequency_ms, failure_ms
    if transfer_ms is None:
        return t
    x = transfer_ms
    k = max(0, (t - x) // f) if x <= f else max(0, (t - f) // x)
    return t - k * f


@dataclass(frozen=True, slots=True)
class ReplicaResult:
    """Replication of one VM over one link.

    Attributes
    ----------
    vm : str
    ok : bool
        Whether the VM has Replica and its frequency is one the primary's version accepts.
    frequency_ms : int
        ``ReplicationFrequencySec`` in ms.
    allowed_ms : tuple of int
        Frequencies the primary's Windows version accepts.
    change_rate : int
        Bytes changed per second.
    changed_bytes, wire_bytes : int
        Per interval: changes, and what crosses the link after compression.
    link_bps : int
    transfer_ms : int or None
        Time to send one interval's changes (``None``: the link carries nothing).
    keeps_up : bool
        ``transfer_ms ≤ frequency_ms``.
    rpo_ms : int
        Effective RPO right after sync (``frequency + transfer``).
    lag_growth_ms_per_hour : int
        How much the effective RPO grows per hour while the link does not keep up.
    reason : str
    assumptions : tuple of str
    """

    vm: str
    ok: bool
    frequency_ms: int
    allowed_ms: tuple[int, ...]
    change_rate: int
    changed_bytes: int
    wire_bytes: int
    link_bps: int
    transfer_ms: int | None
    keeps_up: bool
    rpo_ms: int
    lag_growth_ms_per_hour: int
    reason: str
    assumptions: tuple[str, ...]

    def rpo_after(self, elapsed_ms: int) -> int:
        """Return the effective RPO ``elapsed_ms`` after replication was last in sync."""
        return effective_rpo_ms(self.frequency_ms, self.transfer_ms, elapsed_ms)


def _machine(lab: Lab, vm: VirtualMachine | str) -> VirtualMachine:
    return lab.vms[vm] if isinstance(vm, str) else vm


def replication(
    lab: Lab,
    vm: VirtualMachine | str,
    *,
    link_bps: int,
    os: str | None = None,
) -> ReplicaResult:
    """Return whether ``link_bps`` carries each interval's changes of ``vm`` in time.

    Parameters
    ----------
    vm : VirtualMachine or str
        Its ``replica`` gives the frequency and ``change_rate`` (bytes per second; the
        ``replica.change_rate`` assumption when unset).
    link_bps : int
        Bandwidth available to Replica between the sites (bit/s, ≥ 0).
    os : str, optional
        Windows version of the primary host (default: the VM's host's).

    Notes
    -----
    Frequencies: :func:`hvlab.defaults.replica_frequencies` (2012: 300 s only; 2012 R2+:
    30, 300, 900 s — Petri "Strategies to Minimize Data Loss with Hyper-V Replica"; Savill).
    Compression: ``replica.CompressionEnabled`` (on by default) with the
    ``replica.compression_ratio`` assumption.
    """
    machine = _machine(lab, vm)
    version = os or (host_os(lab, machine.host) if machine.host else "WindowsServer2012R2")
    allowed = tuple(s * 1000 for s in replica_frequencies(version))
    used: list[str] = []
    if machine.replica is None:
        return ReplicaResult(
            machine.name, False, 0, allowed, 0, 0, 0, link_bps, None, False, 0, 0,
            "the VM has no Hyper-V Replica", (),
        )  # fmt: skip
    if link_bps < 0:
        raise ValueError(f"link_bps must not be negative, got {link_bps}")
    f = machine.replica.frequency
    notes: list[str] = []
    ok = f in allowed
    if not allowed:
        notes.append(f"{version} has no Hyper-V Replica (Windows Server 2012 and later)")
    elif not ok:
        shown = ", ".join(f"{a // 1000} s" for a in allowed)
        notes.append(f"frequency {f // 1000} s is not accepted on {version} (only {shown})")
    if machine.replica.change_rate is not None:
        rate = machine.replica.change_rate
    else:
        rate = round(float(lab_value(lab, CHANGE_RATE)) * _MIB)
        used.append(CHANGE_RATE.key)
    changed = rate * f // 1000
    wire = changed
    if bool(lab_value(lab, DEFAULTS["replica.CompressionEnabled"])):
        ratio = float(lab_value(lab, COMPRESSION_RATIO))
        wire = int(changed / ratio)
        used.append(COMPRESSION_RATIO.key)
    transfer: int | None = None if link_bps == 0 else -(-wire * 8 * 1000 // link_bps)
    keeps = transfer is not None and transfer <= f
    if transfer is None:
        growth = _HOUR_MS
        what = "the link carries nothing: the replica falls behind by an hour per hour"
    elif keeps:
        growth = 0
        what = f"each interval's {wire} bytes take {transfer} ms of the {f} ms interval"
    else:
        growth = -(-_HOUR_MS * (transfer - f) // transfer)
        what = (
            f"each interval's {wire} bytes take {transfer} ms, longer than the {f} ms interval: "
            f"cycles queue and the RPO grows by {growth} ms per hour"
        )
    return ReplicaResult(
        vm=machine.name,
        ok=ok,
        frequency_ms=f,
        allowed_ms=allowed,
        change_rate=rate,
        changed_bytes=changed,
        wire_bytes=wire,
        link_bps=link_bps,
        transfer_ms=transfer,
        keeps_up=keeps,
        rpo_ms=effective_rpo_ms(f, transfer, 0),
        lag_growth_ms_per_hour=growth,
        reason="; ".join([what, *notes]),
        assumptions=tuple(sorted(used)),
    )


@dataclass(frozen=True, slots=True)
class ReplicaFailover:
    """A Replica failover: whether it can run, data lost, downtime, steps.

    ``downtime_ms`` runs from the start of the failover to the replica VM answering
    (``hyperv.vm_boot`` or the VM's ``boot_time``); for a test failover it is 0 (the
    primary keeps running).
    """

    vm: str
    kind: Literal["test", "planned", "unplanned"]
    ok: bool
    data_loss_ms: int
    downtime_ms: int
    reason: str
    timeline: tuple[tuple[int, str], ...]


def _boot_ms(lab: Lab, vm: VirtualMachine) -> int:
    return vm.boot_time if vm.boot_time is not None else lab_ms(lab, DEFAULTS["hyperv.vm_boot"])


def test_failover(lab: Lab, result: ReplicaResult) -> ReplicaFailover:
    """Return a test failover: a ``<VM> - Test`` copy boots from the latest recovery point.

    Replication and the primary are not affected; nothing is lost.
    """
    machine = lab.vms[result.vm]
    if not result.ok:
        return ReplicaFailover(result.vm, "test", False, 0, 0, result.reason, ())
    boot = _boot_ms(lab, machine)
    return ReplicaFailover(
        result.vm,
        "test",
        True,
        0,
        0,
        f"'{result.vm} - Test' starts on the replica server from the latest recovery point; "
        "replication continues",
        ((0, f"create '{result.vm} - Test'"), (boot, f"'{result.vm} - Test' answers")),
    )


def planned_failover(
    lab: Lab,
    result: ReplicaResult,
    *,
    primary_up: bool = True,
    link_up: bool = True,
    shutdown_ms: int = 0,
) -> ReplicaFailover:
    """Return a planned failover: no data loss; needs the primary host and the link.

    Steps: the primary VM is shut down (``shutdown_ms``, not modelled unless given), the
    changes not yet replicated (at most one interval: ``transfer_ms``) are sent, the
    replica VM starts.
    """
    machine = lab.vms[result.vm]
    if not result.ok:
        return ReplicaFailover(result.vm, "planned", False, 0, 0, result.reason, ())
    if not primary_up or not link_up or result.transfer_ms is None:
        why = "the primary host is down" if not primary_up else "the replication link is down"
        return ReplicaFailover(
            result.vm,
            "planned",
            False,
            0,
            0,
            f"planned failover needs the primary running and the link up: {why}; use an "
            "unplanned failover",
            (),
        )
    sent = shutdown_ms + result.transfer_ms
    boot = _boot_ms(lab, machine)
    return ReplicaFailover(
        result.vm,
        "planned",
        True,
        0,
        sent + boot,
        "primary shut down, last changes replicated, replica started: no data loss",
        (
            (0, "shut down the primary VM"),
            (shutdown_ms, "send the changes not yet replicated"),
            (sent, "fail over: the replica VM starts"),
            (sent + boot, "replica VM answers"),
        ),
    )


def unplanned_failover(lab: Lab, result: ReplicaResult, *, failure_ms: int) -> ReplicaFailover:
    """Return an unplanned failover after the primary fails ``failure_ms`` after sync.

    Data lost: :func:`data_loss_ms` (≥ 0, ≤ the effective RPO at that time). Downtime: the
    replica VM's boot, counted from when the operator starts the failover.
    """
    machine = lab.vms[result.vm]
    if not result.ok:
        return ReplicaFailover(result.vm, "unplanned", False, 0, 0, result.reason, ())
    lost = data_loss_ms(result.frequency_ms, result.transfer_ms, failure_ms)
    boot = _boot_ms(lab, machine)
    return ReplicaFailover(
        result.vm,
        "unplanned",
        True,
        lost,
        boot,
        f"replica starts from its latest recovery point: {lost} ms of changes lost "
        f"(effective RPO {result.rpo_after(failure_ms)} ms)",
        ((0, "fail over to the latest recovery point"), (boot, "replica VM answers")),
    )
