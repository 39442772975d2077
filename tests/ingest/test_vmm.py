"""The VMM tbl_WLC_VMInstance export, drift detection and the 12711 fix script."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.ingest.records import ClusterGroupRecord, ResourceGroupDrift
from hvlab.ingest.registry import read_cluster_groups
from hvlab.ingest.vmm import find_drifts, fix_sql, parse_vmm_csv, read_vmm_csv, sql_nstring

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
STALE = "df43bf60-7216-47ed-9560-7561d24c7dc8"
CLUSTER = "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"


def code_only(sql: str) -> str:
    """The T-SQL with comments and string literals removed (a small tokenizer).

    Follows the T-SQL rules: ``--`` comments run to the end of the line, a
    string literal is ``'...'`` or ``N'...'`` in which ``''`` is one quote; a
    ``+`` chain of literals and ``NCHAR(n)`` counts as one string.
    """
    out: list[str] = []
    index = 0
    while index < len(sql):
        char = sql[index]
        if sql.startswith("--", index):
            end = sql.find("\n", index)
            index = len(sql) if end < 0 else end
            continue
        if char == "'":
            index += 1
            while index < len(sql):
                if sql[index] == "'":
                    if sql.startswith("''", index):
                        index += 2
                        continue
                    break
                index += 1
            assert index < len(sql), "unterminated string literal"
            index += 1
            out.append("<str>")
            continue
        out.append(char)
        index += 1
    code = re.sub(r"N<str>", "<str>", "".join(out))
    # sql_nstring joins literal pieces and NCHAR(n) with '+': one string expression.
    return re.sub(r"(?:<str>|NCHAR\(\d+\))(?: \+ (?:<str>|NCHAR\(\d+\)))*", "<str>", code)


def test_fixture_export() -> None:
    export = read_vmm_csv(SAMPLE / "vmm" / "tbl_WLC_VMInstance.csv")
    assert export.warnings == ()
    assert [vm.name for vm in export.vms] == [
        "HopelessVM",
        "SQL01",
        "FILE01",
        "O'Brien's VM",
        "MYSERVER",
        "WEB01",
    ]
    hopeless = export.vms[0]
    assert hopeless.vm_resource_group_id == STALE
    assert hopeless.computer_name == "hopelessVM.test.lab"
    assert hopeless.vm_resource_id is None  # NULL
    assert hopeless.line == 2


def test_columns_case_insensitive_semicolons_type_line_extra_columns() -> None:
    text = (
        '#TYPE System.Data.DataRow\n"COMPUTERNAME";"vmresourcegroupid";"Other"\n'
        "x.test.lab;{DF43BF60-7216-47ED-9560-7561D24C7DC8};1\n"
        "y.test.lab;not-a-guid;2\n\n"
    )
    export = parse_vmm_csv(text, "v.csv")
    assert [(vm.computer_name, vm.vm_resource_group_id) for vm in export.vms] == [
        ("x.test.lab", STALE),
        ("y.test.lab", None),
    ]
    assert export.vms[0].line == 3
    assert [(w.line, w.message) for w in export.warnings] == [
        (4, "vm_resource_group_id 'not-a-guid' is not a GUID")
    ]


def test_missing_columns_and_empty_file() -> None:
    export = parse_vmm_csv("Name,Host\nA,B\n", "v.csv")
    assert export.vms == ()
    assert "lacks VMResourceGroupID" in export.warnings[0].message
    assert parse_vmm_csv("", "v.csv").warnings[0].message == "no header row"


def test_row_without_names_is_skipped() -> None:
    export = parse_vmm_csv(f"Name,VMResourceGroupID\n,{STALE}\n", "v.csv")
    assert export.vms == ()
    assert export.warnings[0].line == 2


def test_drift_of_hopeless_vm_from_the_field_notes() -> None:
    vms = read_vmm_csv(SAMPLE / "vmm" / "tbl_WLC_VMInstance.csv").vms
    groups = read_cluster_groups(SAMPLE / "cluster" / "Groups.reg").groups
    drifts = find_drifts(vms, groups)
    assert drifts == [
        ResourceGroupDrift(
            vm_name="HopelessVM",
            vmm_group_id=STALE,
            cluster_group_id=CLUSTER,
            computer_name="hopelessVM.test.lab",
            vm_instance_id="6b1e4c1a-2d3e-4f50-8a6b-7c8d9e0f1a2b",
        )
    ]


def test_drift_matching_is_never_a_guess() -> None:
    vms = parse_vmm_csv(
        f"ComputerName,VMResourceGroupID\nhopelessvm.test.lab,{STALE}\nghost.test.lab,{STALE}\n"
    ).vms
    groups = [
        ClusterGroupRecord(CLUSTER, "SCVMM HopelessVM Resources", "VirtualMachine"),
        ClusterGroupRecord("11111111-1111-1111-1111-111111111111", "ghost", "VirtualMachine"),
        ClusterGroupRecord("22222222-2222-2222-2222-222222222222", "GHOST", None),
    ]
    drifts = find_drifts(vms, groups)
    assert [(drift.vm_name, drift.cluster_group_id) for drift in drifts] == [
        ("SCVMM HopelessVM Resources", CLUSTER)
    ]


def test_fix_sql_structure() -> None:
    vms = read_vmm_csv(SAMPLE / "vmm" / "tbl_WLC_VMInstance.csv").vms
    groups = read_cluster_groups(SAMPLE / "cluster" / "Groups.reg").groups
    sql = fix_sql(find_drifts(vms, groups))
    lines = sql.splitlines()
    assert "backup" in sql.lower() and "BACKUP DATABASE [VirtualManagerDB]" in sql
    assert "vmmservice" in sql
    assert "BEGIN TRANSACTION;" in lines
    assert "-- COMMIT TRANSACTION;" in lines and "-- ROLLBACK TRANSACTION;" in lines
    assert "COMMIT TRANSACTION;" not in lines
    code = code_only(sql)
    assert code.count("UPDATE dbo.tbl_WLC_VMInstance SET VMResourceGroupID = <str>") == 1
    assert (
        f"UPDATE dbo.tbl_WLC_VMInstance SET VMResourceGroupID = '{CLUSTER}'\n"
        f"  WHERE VMInstanceID = '6b1e4c1a-2d3e-4f50-8a6b-7c8d9e0f1a2b' "
        f"AND VMResourceGroupID = '{STALE}';"
    ) in sql
    assert sql.index("SELECT VMInstanceID") < sql.index("UPDATE dbo.tbl_WLC_VMInstance")
    assert fix_sql(find_drifts(vms, groups)) == sql  # deterministic


def drift(name: str, computer: str | None = None) -> ResourceGroupDrift:
    return ResourceGroupDrift(name, STALE, CLUSTER, computer_name=computer)


def test_quotes_in_names_cannot_break_out() -> None:
    sql = fix_sql([drift("O'Brien's VM", "O'Brien's VM")])
    assert "ComputerName = N'O''Brien''s VM' AND VMResourceGroupID" in sql
    code_only(sql)  # every literal is terminated


def test_injection_attempts_stay_inside_literals_and_comments() -> None:
    benign = code_only(fix_sql([drift("benign", "benign")]))
    for evil in (
        "'; DROP TABLE x; --",
        "x\nGO\nDROP TABLE y; --",
        "a'); DELETE FROM tbl_WLC_VMInstance; --",
        "'' ; DROP TABLE z",
        "\r\n-- \n'",
    ):
        sql = fix_sql([drift(evil, evil)])
        code = code_only(sql)
        assert code == benign, evil
        assert "DROP" not in code and "DELETE" not in code
        assert not any(line.strip().upper() == "GO" for line in sql.splitlines())


def test_invalid_guid_drift_is_skipped() -> None:
    sql = fix_sql([ResourceGroupDrift("bad", "'; DROP TABLE x; --", CLUSTER)])
    assert "-- SKIPPED VM bad" in sql
    assert "UPDATE" not in code_only(sql)


def test_sql_nstring() -> None:
    assert sql_nstring("O'Brien's VM") == "N'O''Brien''s VM'"
    assert sql_nstring("") == "N''"
    assert sql_nstring("a\nb") == "N'a' + NCHAR(10) + N'b'"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.one_of(st.none(), st.text(max_size=40)))
def test_any_name_leaves_the_code_unchanged(name: str, computer: str | None) -> None:
    reference = code_only(fix_sql([drift("vm", "vm.test" if computer else None)]))
    assert code_only(fix_sql([drift(name, computer)])) == reference


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_random_csv_never_raises(text: str) -> None:
    export = parse_vmm_csv(text, "fuzz.csv")
    assert export.file == "fuzz.csv"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12), max_size=8)
)
def test_random_rows_under_a_real_header(cells: list[str]) -> None:
    header = "VMInstanceID,Name,ComputerName,VMResourceGroupID\n"
    text = header + ",".join(cells) + "\n" + ";".join(cells)
    export = parse_vmm_csv(text, "fuzz.csv")
    assert len(export.vms) <= len(text.splitlines())
