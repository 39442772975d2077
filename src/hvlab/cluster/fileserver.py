"""A client copying a file to a clustered share when the node serving it dies.

Three outcomes, decided by the role type, the share's continuous availability (CA) and
the SMB dialect (CA needs SMB 3: Windows Server 2012 servers and Windows 8 clients):

Scale-Out File Server (``ScaleOut``), CA share
    Every node serves the share. When the cluster removes the dead node (route timeout),
    the SMB Witness service on another node tells the client, which reconnects to a
    surviving node and reclaims its persistent handles: the copy pauses, then continues.
    The field notes measured "a couple of seconds max" of delay.
Active-passive file server (``General``), CA share
    The role (disk, IP address, name, shares) first fails over to another node
    (``cluster.group_online``), then the client is notified and reconnects: the copy
    pauses longer (the field notes found that freeze "a bit too long") and continues —
    if the reconnect happens within the persistent-handle timeout.
Without CA (or without SMB 3)
    Open handles are not preserved across nodes: the copy fails when the client's
    request to the dead node errors out — when the role comes up elsewhere and the
    client's connection is reset, or at the SMB request expiration (``SessTimeout``),
    whichever is first. The role itself is back after failover.

Timeline times are ms from the node's failure. The pause and role-online times are
assumptions (Microsoft publishes none); their keys are listed in the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hvlab.cluster.membership import cluster_os, lab_ms, os_rank, route_timeout_ms
from hvlab.defaults import DEFAULTS
from hvlab.model.cluster import Cluster, FileServer, Share
from hvlab.model.lab import Lab

__all__ = ["FileCopyOutcome", "copy_during_owner_failure"]

Failure = Literal["crash", "shutdown"]


@dataclass(frozen=True, slots=True)
class FileCopyOutcome:
    """What a client copying to a share sees when the serving node fails.

    Attributes
    ----------
    file_server, share : str
    role_type : {'ScaleOut', 'General'}
    continuous_availability : bool
        CA in effect (share setting, SMB 3 on both ends).
    outcome : {'continues', 'fails'}
    pause_ms : int or None
        How long the copy stalls before it continues (``None`` when it fails).
    failed_ms : int or None
        When the copy fails (``None`` when it continues).
    detected_ms : int
        When the cluster removes the node (0 for a clean shutdown).
    role_online_ms : int
        When the file server role serves again from another node (0 for SOFS: it never
        stops).
    timeline : tuple of (int, str)
    reason : str
    assumptions : tuple of str
        Keys of the unpublished numbers used.
    """

    file_server: str
    share: str
    role_type: str
    continuous_availability: bool
    outcome: Literal["continues", "fails"]
    pause_ms: int | None
    failed_ms: int | None
    detected_ms: int
    role_online_ms: int
    timeline: tuple[tuple[int, str], ...]
    reason: str
    assumptions: tuple[str, ...]


def _share(server: FileServer, name: str | None) -> Share:
    if name is not None:
        return server.shares[name]
    if server.shares:
        return next(iter(server.shares.values()))
    return Share(name="(default)")


def copy_during_owner_failure(
    lab: Lab,
    cluster: Cluster | str,
    file_server: str,
    *,
    share: str | None = None,
    failure: Failure = "crash",
    detection_ms: int | None = None,
    client_smb3: bool = True,
    os: str | None = None,
) -> FileCopyOutcome:
    """Return the timeline of a copy to ``file_server`` when the node serving it fails.

    Parameters
    ----------
    cluster : Cluster or str
    file_server : str
        A role of ``cluster.file_servers``.
    share : str, optional
        One of its shares (default: the first).
    failure : {'crash', 'shutdown'}
        ``crash``: the node dies; the cluster notices after the route timeout. ``shutdown``:
        a clean shutdown or drain; the cluster moves the role at once and the Witness
        service notifies clients without waiting for a timeout.
    detection_ms : int, optional
        Override of the route timeout (default: same-subnet ``Delay x Threshold``).
    client_smb3 : bool
        Whether the client speaks SMB 3 (Windows 8 / Server 2012 and later).
    os : str, optional
        The cluster's Windows version (default: its oldest node's).

    Notes
    -----
    Sources: field notes ("Active-Active File sharing with SMB 2.2 Scale Out": SOFS copy
    continued with "a short delay (a couple of seconds max)"; the active-passive
    transparent failover freeze was longer); [MS-SWN] Service Witness Protocol ("prompt
    and explicit notifications … rather than relying on slower detection mechanisms such
    as time-outs"); "SMB 2.x and SMB 3.0 Timeouts in Windows" (``SessTimeout`` 60 s).
    Assumptions: ``smb.scaleout_client_pause`` (2 s: notification to resumed I/O),
    ``cluster.group_online`` (5 s), ``smb.persistent_handle_timeout`` (60 s).
    """
    clu = lab.clusters[cluster] if isinstance(cluster, str) else cluster
    server = clu.file_servers[file_server]
    chosen = _share(server, share)
    version = os or cluster_os(lab, clu)
    smb3 = client_smb3 and os_rank(version) >= os_rank("WindowsServer2012")
    ca = chosen.continuous_availability and smb3
    used = {"smb.scaleout_client_pause"}
    if failure == "crash":
        detect = (
            detection_ms
            if detection_ms is not None
            else route_timeout_ms(clu, version, "same_subnet", lab)
        )
        lost = f"route timeout ({detect} ms): the cluster removes the node"
    elif failure == "shutdown":
        detect = 0
        lost = "clean shutdown: the cluster moves the node's roles at once"
    else:
        raise ValueError(f"unknown failure {failure!r}; use 'crash' or 'shutdown'")
    reconnect = lab_ms(lab, DEFAULTS["smb.scaleout_client_pause"])
    online = lab_ms(lab, DEFAULTS["cluster.group_online"])
    sess = lab_ms(lab, DEFAULTS["smb.SessTimeout"])
    persistent = lab_ms(lab, DEFAULTS["smb.persistent_handle_timeout"])
    owner = (
        "the node serving the client"
        if server.type == "ScaleOut"
        else (server.owner or "the owner node")
    )
    timeline: list[tuple[int, str]] = [(0, f"{owner} fails during the copy; the copy stalls")]
    timeline.append((detect, lost))
    role_online = 0
    if server.type == "ScaleOut":
        notify = detect
        if ca:
            timeline.append((notify, "SMB Witness notifies the client to move to another node"))
    else:
        used.add("cluster.group_online")
        role_online = detect + online
        timeline.append((role_online, f"role {server.name} online on another node"))
        notify = role_online
        if ca:
            timeline.append((notify, "SMB Witness notifies the client: the share is back"))
    if ca:
        used.add("smb.persistent_handle_timeout")
        resume = notify + reconnect
        if resume <= persistent:
            timeline.append(
                (resume, "client reconnected, persistent handles reclaimed: copy resumes")
            )
            kind = "SOFS" if server.type == "ScaleOut" else "active-passive file server with CA"
            return FileCopyOutcome(
                server.name, chosen.name, server.type, True, "continues", resume, None, detect,
                role_online, tuple(timeline),
                f"{kind}: SMB 3 transparent failover, the copy pauses {resume} ms and continues",
                tuple(sorted(used)),
            )  # fmt: skip
        timeline.append(
            (persistent, "persistent handles expire before the client could reconnect: copy fails")
        )
        return FileCopyOutcome(
            server.name, chosen.name, server.type, True, "fails", None, persistent, detect,
            role_online, tuple(timeline),
            f"the reconnect ({resume} ms) comes after the persistent-handle timeout "
            f"({persistent} ms): the handles are gone and the copy fails",
            tuple(sorted(used)),
        )  # fmt: skip
    used.discard("smb.scaleout_client_pause")
    if server.type == "ScaleOut":
        fail_at = sess
        how = "its request to the dead node expires (SessTimeout)"
    else:
        fail_at = min(role_online, sess)
        how = (
            "the new owner resets its connection"
            if role_online <= sess
            else "its request expires (SessTimeout) before the role is back"
        )
    timeline.append((fail_at, f"client error: {how}; the open handle is lost and the copy fails"))
    timeline.sort(key=lambda e: e[0])
    why = "share without continuous availability" if smb3 else "no SMB 3 (client or server)"
    return FileCopyOutcome(
        server.name, chosen.name, server.type, False, "fails", None, fail_at, detect,
        role_online, tuple(timeline),
        f"{why}: handles do not survive the move, the copy fails at {fail_at} ms; "
        + (f"the role is back at {role_online} ms" if role_online else "other nodes keep serving"),
        tuple(sorted(used)),
    )  # fmt: skip
