"""Tests of hvlab.defaults: the table is sound, the docs are generated from it, and the
published values are pinned -- each test's docstring names the source it checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvlab import defaults
from hvlab.defaults import (
    DEFAULTS,
    WINDOWS_SERVER_VERSIONS,
    Default,
    cluster_heartbeat,
    duration_ms,
    failover_threshold,
    get_default,
    health_check_defaults,
    lacp_timeout_ms,
    live_migration_defaults,
    render_markdown,
    replica_frequencies,
    resiliency_defaults,
    saved_state_reservation,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "defaults.md"
GiB = 2**30


# --- The table itself ---------------------------------------------------------------------


def test_docs_defaults_md_is_generated_from_the_table() -> None:
    """docs/defaults.md must be exactly render_markdown(); it cannot drift from the code."""
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/defaults.md is stale: run `python -m hvlab.defaults > docs/defaults.md`"
    )


def test_render_is_deterministic_and_lists_every_default() -> None:
    text = render_markdown()
    assert text == render_markdown()
    for key in DEFAULTS:
        assert f"`{key}`" in text
    assert f"{len(DEFAULTS)} defaults:" in text


def test_every_entry_is_complete_and_keyed_by_its_own_key() -> None:
    for key, d in DEFAULTS.items():
        assert isinstance(d, Default)
        assert d.key == key
        assert re.fullmatch(r"[a-z]+(\.[A-Za-z0-9_]+)+", key), key
        assert d.applies_to and d.source and d.note, key


def test_every_area_has_a_section_in_the_docs() -> None:
    areas = {key.split(".", 1)[0] for key in DEFAULTS}
    assert areas <= {area for area, _ in defaults._SECTIONS}


def test_published_values_cite_a_page_a_standard_or_a_book() -> None:
    book = re.compile(r"\((?:Sybex|[A-Z][\w ]+), \d{4}\)")  # (Publisher, year)
    for d in DEFAULTS.values():
        if not d.assumption:
            cited = "http" in d.source or "IEEE" in d.source or "field notes" in d.source
            assert cited or book.search(d.source), d.key


def test_assumptions_say_why() -> None:
    assumed = [d for d in DEFAULTS.values() if d.assumption]
    assert assumed, "the unpublished numbers must be marked as assumptions"
    for d in assumed:
        assert len(d.note) > 80, f"{d.key}: an assumption must explain its choice"
    keys = {d.key for d in assumed}
    # The ones DESIGN.md names as unpublished must be flagged as such.
    assert {"lbfo.failover", "lbfo.dynamic.flowlet_gap", "hyperv.vm_boot"} <= keys
    assert {"livemigration.compression_ratio", "stp.rstp.handshake_per_hop"} <= keys


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        DEFAULTS["x"] = DEFAULTS["stp.HelloTime"]  # type: ignore[index]


def test_get_default_suggests_close_keys() -> None:
    assert get_default("stp.MaxAge").value == 20_000
    with pytest.raises(KeyError, match=r"did you mean stp\.MaxAge"):
        get_default("stp.MaxAg")


def test_duration_ms_converts_units() -> None:
    assert duration_ms("cluster.SameSubnetDelay") == 1000
    assert duration_ms("cluster.ResiliencyDefaultPeriod") == 240_000
    assert duration_ms("cluster.QuarantineDuration") == 7_200_000
    assert duration_ms("cluster.FailoverPeriod") == 6 * 3_600_000
    assert duration_ms("replica.ReplicationFrequencySec") == 300_000
    with pytest.raises(ValueError, match="not a duration"):
        duration_ms("cluster.SameSubnetThreshold")
    with pytest.raises(ValueError, match="not a whole number of milliseconds"):
        duration_ms("lbfo.dynamic.flowlet_gap")


def test_unknown_version_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'WindowsServer2013'.*WindowsServer2012R2"):
        cluster_heartbeat("WindowsServer2013")
    assert WINDOWS_SERVER_VERSIONS[0] == "WindowsServer2008"
    assert WINDOWS_SERVER_VERSIONS[-1] == "WindowsServer2025"


# --- Failover cluster ------------------------------------------------------------------------


@pytest.mark.parametrize("os", ["WindowsServer2008", "WindowsServer2008R2", "WindowsServer2012"])
def test_heartbeat_before_2012r2(os: str) -> None:
    """Cluster common properties SameSubnetDelay (1000), SameSubnetThreshold (5),
    CrossSubnetDelay (1000), CrossSubnetThreshold (5): learn.microsoft.com/.../mscs/."""
    hb = cluster_heartbeat(os)
    assert (hb.SameSubnetDelay, hb.SameSubnetThreshold) == (1000, 5)
    assert (hb.CrossSubnetDelay, hb.CrossSubnetThreshold) == (1000, 5)
    assert hb.CrossSiteDelay is None and hb.CrossSiteThreshold is None
    assert hb.same_subnet_timeout_ms == 5000
    assert hb.cross_site_timeout_ms is None


def test_heartbeat_2012r2_depends_on_hyper_v() -> None:
    """'Tuning Failover Cluster Network Thresholds': 2012 R2 uses 10/20 once Hyper-V VMs are
    present, 5/5 otherwise."""
    hv = cluster_heartbeat("WindowsServer2012R2")
    assert (hv.SameSubnetThreshold, hv.CrossSubnetThreshold) == (10, 20)
    plain = cluster_heartbeat("WindowsServer2012R2", hyper_v=False)
    assert (plain.SameSubnetThreshold, plain.CrossSubnetThreshold) == (5, 5)


@pytest.mark.parametrize(
    "os", ["WindowsServer2016", "WindowsServer2019", "WindowsServer2022", "WindowsServer2025"]
)
def test_heartbeat_2016_and_later(os: str) -> None:
    """ITPro Today, 'What are the defaults for Windows Server 2016 Failover Clusters related to
    latency?': SameSubnet 1 s/10, CrossSubnet 1 s/20, CrossSite 1 s/20."""
    for hyper_v in (True, False):
        hb = cluster_heartbeat(os, hyper_v=hyper_v)
        assert (hb.SameSubnetDelay, hb.SameSubnetThreshold) == (1000, 10)
        assert (hb.CrossSubnetDelay, hb.CrossSubnetThreshold) == (1000, 20)
        assert (hb.CrossSiteDelay, hb.CrossSiteThreshold) == (1000, 20)
        assert hb.same_subnet_timeout_ms == 10_000
        assert hb.cross_subnet_timeout_ms == 20_000
        assert hb.cross_site_timeout_ms == 20_000


def test_resiliency_defaults() -> None:
    """'Virtual Machine Compute Resiliency in Windows Server 2016' and property pages:
    ResiliencyLevel AlwaysIsolate, ResiliencyDefaultPeriod 240 s, QuarantineThreshold 3,
    QuarantineDuration 2 h; no resiliency before 2016."""
    r = resiliency_defaults("WindowsServer2019")
    assert r is not None
    assert r.ResiliencyLevel == "AlwaysIsolate"
    assert r.ResiliencyDefaultPeriod == 240
    assert r.QuarantineThreshold == 3
    assert r.QuarantineDuration == 7200
    assert resiliency_defaults("WindowsServer2012R2") is None


def test_failover_policy() -> None:
    """Group properties FailoverThreshold (0xFFFFFFFF = nodes - 1) and FailoverPeriod (6 h)."""
    assert DEFAULTS["cluster.FailoverThreshold"].value == 0xFFFFFFFF
    assert DEFAULTS["cluster.FailoverPeriod"].value == 6
    assert failover_threshold(2) == 1
    assert failover_threshold(4) == 3
    assert failover_threshold(4, 10) == 10
    with pytest.raises(ValueError, match="at least 1 node"):
        failover_threshold(0)


def test_dynamic_quorum_on_from_2012() -> None:
    """Cluster common property DynamicQuorum: default TRUE (1), from Windows Server 2012."""
    assert DEFAULTS["cluster.DynamicQuorum"].value == 1


def test_csv_network_metrics() -> None:
    """'Designating a Preferred Network for Cluster Shared Volumes Communication': automatic
    Metric 1000+ without a gateway, 10000+ with one; CSV re-evaluation every 3 minutes."""
    assert DEFAULTS["cluster.network.AutoMetric.private"].value == 1000
    assert DEFAULTS["cluster.network.AutoMetric.gateway"].value == 10000
    assert duration_ms("csv.network_reevaluation") == 180_000


# --- Hyper-V and live migration ------------------------------------------------------------


def test_live_migration_2008_and_2008r2() -> None:
    """2008 has Quick Migration only; 2008 R2 does one live migration at a time per node pair
    (ITPro Today) with up to 10 memory passes (Directions on Microsoft)."""
    assert live_migration_defaults("WindowsServer2008").effective_concurrency == 0
    lm = live_migration_defaults("WindowsServer2008R2")
    assert lm.MaximumVirtualMachineMigrations == 1
    assert lm.MaximumStorageMigrations == 0
    assert lm.VirtualMachineMigrationPerformanceOption is None
    assert lm.max_precopy_passes == 10


def test_live_migration_2012_uses_tcpip() -> None:
    """Windows Server 2012: 2 live and 2 storage migrations, plain TCP/IP (compression came
    with 2012 R2)."""
    lm = live_migration_defaults("WindowsServer2012")
    assert lm.MaximumVirtualMachineMigrations == 2
    assert lm.MaximumStorageMigrations == 2
    assert lm.VirtualMachineMigrationPerformanceOption == "TCPIP"
    assert lm.MaximumParallelMigrations is None
    assert lm.effective_concurrency == 2


@pytest.mark.parametrize("os", ["WindowsServer2012R2", "WindowsServer2016", "WindowsServer2019"])
def test_live_migration_2012r2_to_2019_compress(os: str) -> None:
    """'Faster Live Migration with Compression in Windows Server 2012 R2': Compression is the
    default; 5 memory passes from 2012 R2 (Savill, Mastering Windows Server 2016 Hyper-V)."""
    lm = live_migration_defaults(os)
    assert lm.VirtualMachineMigrationPerformanceOption == "Compression"
    assert (lm.MaximumVirtualMachineMigrations, lm.MaximumStorageMigrations) == (2, 2)
    assert lm.max_precopy_passes == 5
    assert lm.effective_concurrency == 2


def test_live_migration_2022_cluster_default_is_one() -> None:
    """'New Cluster-Wide Control For Virtual Machine Live Migrations' (2023): from the
    2022-09 cumulative update, MaximumParallelMigrations = 1 on clusters."""
    assert live_migration_defaults("WindowsServer2022").effective_concurrency == 1
    assert live_migration_defaults("WindowsServer2025").MaximumParallelMigrations == 1
    before = live_migration_defaults("WindowsServer2022", updated=False)
    assert before.effective_concurrency == 2
    standalone = live_migration_defaults("WindowsServer2022", clustered=False)
    assert standalone.MaximumParallelMigrations is None
    assert standalone.effective_concurrency == 2
    assert DEFAULTS["cluster.SMBBandwidthLimitFactor"].value == 2500


def test_saved_state_reservation() -> None:
    """'Hyper-V VM BIN file and AutomaticStopAction': 2008/2008 R2 always reserve the VM's
    memory on disk; from 2012 only when AutomaticStopAction is Save (the default, Taylor
    Brown's 'Configuring Automatic Startup/Shutdown/Recovery Actions')."""
    fifty = 50 * GiB  # the field notes' 50 GB VM (event 3320, 50003 MB memory file)
    assert DEFAULTS["hyperv.AutomaticStopAction"].value == "Save"
    assert saved_state_reservation("WindowsServer2008R2", fifty, "ShutDown") == fifty
    assert saved_state_reservation("WindowsServer2012", fifty) == fifty
    assert saved_state_reservation("WindowsServer2016", fifty, "ShutDown") == 0
    assert saved_state_reservation("WindowsServer2016", fifty, "TurnOff") == 0
    with pytest.raises(ValueError, match="valid values are Save, ShutDown, TurnOff"):
        saved_state_reservation("WindowsServer2016", fifty, "Shutdown")
    with pytest.raises(ValueError, match="negative"):
        saved_state_reservation("WindowsServer2016", -1)


def test_replica_frequencies() -> None:
    """Hyper-V Replica: 5 min fixed on 2012 (BizTech); 30 s / 5 min / 15 min from 2012 R2
    (Petri); up to 24 extra recovery points (Enable-VMReplication); latest only by default."""
    assert replica_frequencies("WindowsServer2008R2") == ()
    assert replica_frequencies("WindowsServer2012") == (300,)
    assert replica_frequencies("WindowsServer2012R2") == (30, 300, 900)
    assert replica_frequencies("WindowsServer2025") == (30, 300, 900)
    assert DEFAULTS["replica.ReplicationFrequencySec"].value == 300
    assert DEFAULTS["replica.RecoveryHistory"].value == 0
    assert DEFAULTS["replica.RecoveryHistory.max"].value == 24


# --- Network protocols ------------------------------------------------------------------------


def test_lacp_timers() -> None:
    """IEEE 802.3ad 43.4.4 / 802.1AX-2008 5.4.4 (Linux bond_3ad.c): fast 1 s, slow 30 s,
    short timeout 3 s, long timeout 90 s, churn 60 s, aggregate wait 2 s."""
    assert duration_ms("lacp.fast_periodic") == 1000
    assert duration_ms("lacp.slow_periodic") == 30_000
    assert lacp_timeout_ms("Fast") == 3000 == 3 * duration_ms("lacp.fast_periodic")
    assert lacp_timeout_ms("Slow") == 90_000 == 3 * duration_ms("lacp.slow_periodic")
    assert duration_ms("lacp.churn_detection") == 60_000
    assert duration_ms("lacp.aggregate_wait") == 2000
    with pytest.raises(ValueError, match="Fast, Slow"):
        lacp_timeout_ms("fast")


def test_stp_timers() -> None:
    """IEEE 802.1D-2004 Table 17-1 (Open vSwitch lib/rstp.h; Cisco 'Understand and Tune
    Spanning Tree Protocol Timers'): hello 2 s, max age 20 s, forward delay 15 s, transmit
    hold count 6, migrate time 3 s; rcvdInfoWhile = 3 x hello; MSTP MaxHops 20."""
    assert duration_ms("stp.HelloTime") == 2000
    assert duration_ms("stp.MaxAge") == 20_000
    assert duration_ms("stp.ForwardDelay") == 15_000
    assert DEFAULTS["stp.TransmitHoldCount"].value == 6
    assert duration_ms("stp.MigrateTime") == 3000
    assert duration_ms("stp.AgeingTime") == 300_000
    assert duration_ms("stp.rstp.info_lifetime") == 3 * duration_ms("stp.HelloTime")
    assert DEFAULTS["stp.mstp.MaxHops"].value == 20
    # 802.1D reconvergence: 2 x forward delay (30 s), + max age when indirect (50 s).
    assert 2 * duration_ms("stp.ForwardDelay") == 30_000
    assert duration_ms("stp.MaxAge") + 2 * duration_ms("stp.ForwardDelay") == 50_000


def test_nic_keywords() -> None:
    """NDIS 'Keywords That Can Be Edited' (*JumboPacket default 1514) and 'Standardized INF
    Keywords for VMQ' (*VMQ 1, Enabled, by default)."""
    assert DEFAULTS["nic.JumboPacket"].value == 1514
    assert DEFAULTS["nic.JumboPacket.jumbo"].value == 9014
    assert DEFAULTS["nic.VMQ"].value == 1


def test_lbfo_defaults_are_marked_as_assumptions() -> None:
    """Microsoft publishes no LBFO failover time or flowlet gap: both are assumptions.
    The LACP timer is published ('NIC Teaming settings': LACP 'always operates in LACP's
    Active mode with a short timer'), so it is not."""
    for key in ("lbfo.failover", "lbfo.dynamic.flowlet_gap"):
        assert DEFAULTS[key].assumption, key
    assert not DEFAULTS["lbfo.LacpTimer"].assumption
    assert DEFAULTS["lbfo.LacpTimer"].value == "Fast"
    assert "nic-teaming-settings" in DEFAULTS["lbfo.LacpTimer"].source
    assert duration_ms("lbfo.failover") == 500


# --- Load balancers --------------------------------------------------------------------------


def test_kemp_health_check() -> None:
    """Progress Kemp 'Service (Health) Check Parameters': interval 9 s (= 2 x 4 + 1),
    connect timeout 4 s, retry count 2; the default HTTP check is HTTP/1.0 (manual p. 56)."""
    hc = health_check_defaults("KEMP")
    assert (hc.interval_ms, hc.timeout_ms, hc.fall, hc.rise) == (9000, 4000, 2, 1)
    assert hc.interval_ms == hc.fall * hc.timeout_ms + 1000
    assert DEFAULTS["healthcheck.kemp.http_version"].value == "HTTP/1.0"
    assert hc.worst_detection_ms == 22_000


def test_haproxy_health_check() -> None:
    """HAProxy Configuration Manual 5.2: inter 2000 ms, fall 3, rise 2."""
    hc = health_check_defaults("HAProxy")
    assert (hc.interval_ms, hc.timeout_ms, hc.fall, hc.rise) == (2000, 2000, 3, 2)
    assert hc.worst_detection_ms == 8000
    with pytest.raises(ValueError, match="KEMP, HAProxy"):
        health_check_defaults("F5")


def test_smb_timeouts() -> None:
    """'SMB 2.x and SMB 3.0 Timeouts in Windows': SessTimeout 60 s, CA negotiate under 20 s;
    Get-SmbServerConfiguration example: DurableHandleV2TimeoutInSeconds 30."""
    assert duration_ms("smb.SessTimeout") == 60_000
    assert duration_ms("smb.negotiate_timeout.continuous_availability") == 20_000
    assert duration_ms("smb.DurableHandleV2TimeoutInSeconds") == 30_000
    assert DEFAULTS["smb.persistent_handle_timeout"].assumption


def test_docstring_examples_run() -> None:
    """The Examples sections of hvlab.defaults are executable and correct."""
    import doctest

    result = doctest.testmod(defaults)
    assert result.attempted > 0
    assert result.failed == 0
