"""A copy to a SOFS share vs an active-passive share when the serving node dies."""

from __future__ import annotations

from typing import Any

from hvlab.cluster.fileserver import copy_during_owner_failure
from hvlab.model.lab import Lab
from tests.cluster import build_lab


def _lab(
    os: str = "WindowsServer2016", ca: bool = True, timers: dict[str, Any] | None = None
) -> Lab:
    """Two file-server nodes with a SOFS role and a General role; ``timers`` by keyword."""
    return build_lab(
        ("fs1", "fs2"),
        os=os,
        cluster={
            "csvs": {"Volume1": "1TiB"},
            "file_servers": {
                "SOFS": {
                    "type": "ScaleOut",
                    "shares": {"VMs": {"volume": "Volume1", "continuous_availability": ca}},
                },
                "FS": {
                    "type": "General",
                    "owner": "fs1",
                    "shares": {"Users": {"continuous_availability": ca}},
                },
            },
        },
        timers=timers,
    )


def test_sofs_client_pauses_then_the_copy_continues() -> None:
    # Field notes: SOFS copy survived the owner's power-off with "a short delay"; the pause
    # is detection (2016: 1 s x 10) + Witness notification and reconnect (2 s, assumed).
    result = copy_during_owner_failure(_lab(), "clu", "SOFS")
    assert result.outcome == "continues"
    assert result.pause_ms == 10_000 + 2_000
    assert result.role_online_ms == 0
    assert [t for t, _ in result.timeline] == [0, 10_000, 10_000, 12_000]
    assert result.assumptions == ("smb.persistent_handle_timeout", "smb.scaleout_client_pause")


def test_sofs_on_2012_detects_in_5_s() -> None:
    assert copy_during_owner_failure(_lab("WindowsServer2012"), "clu", "SOFS").pause_ms == 7_000


def test_clean_shutdown_needs_no_timeout() -> None:
    result = copy_during_owner_failure(_lab(), "clu", "SOFS", failure="shutdown")
    assert result.pause_ms == 2_000


def test_active_passive_without_ca_loses_the_copy() -> None:
    # General role, share without continuous availability: the handle is lost; the role is
    # back after detection + group online (5 s, assumed).
    result = copy_during_owner_failure(_lab(ca=False), "clu", "FS")
    assert result.outcome == "fails" and result.pause_ms is None
    assert result.role_online_ms == 10_000 + 5_000
    assert result.failed_ms == 15_000
    assert "copy fails" in result.timeline[-1][1]


def test_active_passive_with_ca_pauses_longer_and_continues() -> None:
    # Field notes: transparent failover on an active-passive file cluster worked, with a
    # longer freeze than SOFS.
    sofs = copy_during_owner_failure(_lab(), "clu", "SOFS")
    general = copy_during_owner_failure(_lab(), "clu", "FS")
    assert general.outcome == "continues"
    assert general.pause_ms == 10_000 + 5_000 + 2_000
    assert general.pause_ms is not None and sofs.pause_ms is not None
    assert general.pause_ms > sofs.pause_ms


def test_ca_needs_an_smb3_client() -> None:
    result = copy_during_owner_failure(_lab(), "clu", "SOFS", client_smb3=False)
    assert result.outcome == "fails" and not result.continuous_availability
    assert result.failed_ms == 60_000  # SessTimeout: the dead node never answers
    assert "no SMB 3" in result.reason


def test_slow_reconnect_outlives_the_persistent_handles() -> None:
    result = copy_during_owner_failure(
        _lab(timers={"cluster.group_online": "70s"}), "clu", "FS", detection_ms=10_000
    )
    assert result.outcome == "fails" and result.failed_ms == 60_000


def test_timers_override_the_assumptions() -> None:
    lab = _lab(timers={"smb.scaleout_client_pause": "500ms"})
    assert copy_during_owner_failure(lab, "clu", "SOFS").pause_ms == 10_500
