"""Hyper-V Replica over simulated time: recovery points, effective RPO, data lost.

:mod:`hvlab.cluster.replica` gives the cycle model for one steady bandwidth: with the
changes of each interval ``f`` taking ``X`` to send, cycle ``k`` becomes a recovery point
at ``max(k·f + X, f + k·X)`` after replication was in sync. In a simulation the bandwidth
changes (a WAN link is cut, a site goes down, other VMs stop replicating) and the primary
can fail. :class:`ReplicaClock` chains steady stretches ("epochs"): when the bandwidth
changes at time ``c`` the newest recovery point ``rp(c)`` becomes the start of the next
epoch, as if replication were in sync there and the changes since ``rp(c)`` were the
first cycle of the new epoch. That is hvlab's stated approximation (the queue of
half-sent cycles is not tracked); it keeps the loss never negative and never above the
effective RPO reported for the same moment, which the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hvlab.cluster.replica import data_loss_ms, effective_rpo_ms

__all__ = ["ReplicaClock"]


@dataclass
class ReplicaClock:
    """Replication of one VM over simulated time (all times in ms of the simulation).

    ``transfer_ms`` is the time to send one interval's changes at the bandwidth in force
    (``None``: nothing gets through). ``frozen_at`` is when the primary stopped writing
    (its host failed): no change after it exists, so none can be lost.
    """

    vm: str
    frequency_ms: int
    transfer_ms: int | None
    start_ms: int = 0
    frozen_at: int | None = None
    samples: list[tuple[int, int]] = field(default_factory=list)

    def _elapsed(self, t: int) -> int:
        return max(0, t - self.start_ms)

    def loss_at(self, t: int) -> int:
        """Return the ms of changes not yet in a recovery point at time ``t`` (≥ 0)."""
        return data_loss_ms(self.frequency_ms, self.transfer_ms, self._elapsed(t))

    def rpo_at(self, t: int) -> int:
        """Return the effective RPO at ``t``: the most an unplanned failover could lose."""
        return effective_rpo_ms(self.frequency_ms, self.transfer_ms, self._elapsed(t))

    def sample(self, t: int) -> None:
        """Record the effective RPO at ``t`` (once per time)."""
        rpo = self.rpo_at(self.frozen_at if self.frozen_at is not None else t)
        if self.samples and self.samples[-1][0] == t:
            self.samples[-1] = (t, rpo)
        else:
            self.samples.append((t, rpo))

    def set_transfer(self, t: int, transfer_ms: int | None) -> bool:
        """Change the bandwidth at ``t``; return whether anything changed.

        The next epoch starts at the newest recovery point at ``t`` (module docstring).
        """
        if self.frozen_at is not None or transfer_ms == self.transfer_ms:
            return False
        self.sample(t)
        self.start_ms = t - self.loss_at(t)
        self.transfer_ms = transfer_ms
        self.sample(t)
        return True

    def freeze(self, t: int) -> None:
        """The primary stopped at ``t``: what it wrote since the last recovery point is at risk."""
        if self.frozen_at is None:
            self.sample(t)
            self.frozen_at = t

    def unfreeze(self, t: int) -> None:
        """The primary runs again at ``t``: replication goes on from its last recovery point."""
        if self.frozen_at is not None:
            self.start_ms = self.frozen_at - self.loss_at(self.frozen_at)
            self.frozen_at = None
            self.sample(t)

    def failure_loss(self, t: int) -> tuple[int, int]:
        """Return (data lost, effective RPO) for an unplanned failover started at ``t``.

        Measured at the primary's failure when it has failed, else at ``t`` (a forced
        failover while the primary still writes loses what is not yet replicated).
        """
        at = self.frozen_at if self.frozen_at is not None else t
        return self.loss_at(at), self.rpo_at(at)
