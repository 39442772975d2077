"""A broken lab exits 2 with ``file:line:col: path: message`` and never a traceback.

Each case starts from one small valid lab and breaks one thing, so the
expected position is known exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hvlab.cli import app
from hvlab.errors import LabError
from hvlab.model.load import load_lab, load_lab_text

GOOD = """\
name: small
vlans: {10: Management, 100: VM}
switches:
  tor1:
    mac: "00:1b:00:00:01:01"
    ports: {1-4: 10G}
links:
  - endpoints: ["node1:NIC1", "tor1:1"]
  - endpoints: ["node1:NIC2", "tor1:2"]
hosts:
  node1:
    nics: {NIC1: 10G, NIC2: 10G, NIC3: 10G, NIC4: 10G}
    teams:
      VMTeam: {members: [NIC1, NIC2], mode: SwitchIndependent, algorithm: HyperVPort}
    vswitches:
      VMSwitch: {uplink: VMTeam}
  node2:
    nics: {NIC1: 10G, NIC2: 10G}
clusters:
  clu1:
    nodes: [node1, node2]
    csvs: {Volume1: 4TiB}
vms:
  SQL1: {cluster: clu1, host: node1, memory: 64GiB, storage: Volume1,
         nics: [{switch: VMSwitch, vlan: 100}]}
"""


def test_the_base_lab_is_valid() -> None:
    lab = load_lab_text(GOOD, "lab.yaml")
    assert lab.vms["SQL1"].memory.startup == 64 * 2**30


def _break(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


CASES = [
    pytest.param(
        _break("members: [NIC1, NIC2]", "members: [NIC1, NIC5]"),
        r"lab\.yaml:14:32: hosts\.node1\.teams\.VMTeam\.members\[1\]: no NIC named 'NIC5' "
        r"on host node1 .*\(NICs: NIC1, NIC2, NIC3, NIC4\)",
        id="wrong-nic-name",
    ),
    pytest.param(
        _break("    ports: {1-4: 10G}", "    ports: {1-4: 10G}\n    colour: blue"),
        r"lab\.yaml:7:5: switches\.tor1\.colour: unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param(
        _break("vms:\n", "vms:\n  SQL1: {memory: 4GiB}\n"),
        r"lab\.yaml:25:3: vms\.SQL1: duplicate key 'SQL1' \(first at line 24\)",
        id="duplicate-vm",
    ),
    pytest.param(
        _break("memory: 64GiB", "memory: 10Q"),
        r"lab\.yaml:24:38: vms\.SQL1\.memory\.startup: '10Q' is not a size; write it like 64GiB",
        id="bad-size",
    ),
    pytest.param(
        _break("vlans: {10: Management, 100: VM}", "vlans: {10: Management, 100: VM"),
        r"lab\.yaml:3:\d+: YAML syntax error",
        id="yaml-syntax",
    ),
    pytest.param(
        _break('["node1:NIC2", "tor1:2"]', '["node1:NIC2", "tor9:2"]'),
        r"lab\.yaml:9:31: links\[1\]\.endpoints\[1\]: no switch or host named 'tor9' "
        r"\(did you mean 'tor1'\?\)",
        id="endpoint-of-missing-switch",
    ),
    pytest.param(
        _break(
            "    teams:\n      VMTeam: {members: [NIC1, NIC2]",
            '    teams:\n      VMTeam: {members: [NIC1, "node2:NIC1"]',
        ),
        r"hosts\.node1\.teams\.VMTeam\.members\[1\]: no NIC named 'node2:NIC1' on host node1",
        id="team-member-on-another-host",
    ),
    pytest.param(
        _break("storage: Volume1", "storage: Volume2"),
        r"lab\.yaml:24:53: vms\.SQL1\.storage: no CSV named 'Volume2' in cluster clu1 "
        r"\(did you mean 'Volume1'\?\)",
        id="missing-csv",
    ),
    pytest.param(
        _break("mode: SwitchIndependent", "mode: SwitchIndependant"),
        r"hosts\.node1\.teams\.VMTeam\.mode: 'SwitchIndependant' is not one of .*"
        r"\(did you mean 'SwitchIndependent'\?\)",
        id="bad-enum-with-suggestion",
    ),
    pytest.param(
        _break("    nodes: [node1, node2]", "    nodes: [node1, node3]"),
        r"clusters\.clu1\.nodes\[1\]: no host named 'node3'",
        id="cluster-node-missing",
    ),
    pytest.param(
        _break('mac: "00:1b:00:00:01:01"', 'mac: "00:1b:00:00:01"'),
        r"switches\.tor1\.mac: .*is not a MAC address",
        id="bad-mac",
    ),
    pytest.param(
        _break("name: small\n", ""),
        r"lab\.yaml:1:1: missing required key 'name'",
        id="missing-name",
    ),
    pytest.param("- just\n- a list\n", r"lab\.yaml:1:1: a lab file must be a mapping", id="list"),
    pytest.param("", r"lab\.yaml:1:1: a lab file must be a mapping", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_broken_lab_names_file_line_field(text: str, expected: str) -> None:
    with pytest.raises(LabError) as info:
        load_lab_text(text, "lab.yaml")
    assert re.search(expected, str(info.value)), str(info.value)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_cli_validate_exits_2_without_traceback(text: str, expected: str, tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(lab)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert re.search(expected.replace(r"lab\.yaml", re.escape(str(lab))), result.output)


def test_every_problem_is_reported_at_once() -> None:
    text = _break("members: [NIC1, NIC2]", "members: [NIC7, NIC8]")
    with pytest.raises(LabError) as info:
        load_lab_text(text, "lab.yaml")
    assert len(info.value.problems) == 2


def test_a_nic_cannot_serve_two_teams() -> None:
    text = _break(
        "      VMTeam: {members: [NIC1, NIC2], mode: SwitchIndependent, algorithm: HyperVPort}",
        "      VMTeam: {members: [NIC1, NIC2]}\n      Other: {members: [NIC2, NIC3]}",
    )
    with pytest.raises(LabError, match=r"NIC NIC2 is already used by team VMTeam"):
        load_lab_text(text, "lab.yaml")


def test_a_port_cabled_twice_is_refused() -> None:
    text = _break('["node1:NIC2", "tor1:2"]', '["node1:NIC2", "tor1:1"]')
    with pytest.raises(LabError, match=r"tor1:1 is already cabled by links\[0\]"):
        load_lab_text(text, "lab.yaml")


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="cannot read the lab file"):
        load_lab(tmp_path / "nope.yaml")


def test_binary_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(LabError, match="not UTF-8"):
        load_lab(path)


def test_include_merges_files_and_keeps_their_positions(tmp_path: Path) -> None:
    (tmp_path / "vms.yaml").write_text(
        "vms:\n  SQL2: {cluster: clu1, host: node2, memory: 8GiB, storage: Volume9}\n"
    )
    (tmp_path / "lab.yaml").write_text("include: [vms.yaml]\n" + GOOD)
    with pytest.raises(LabError) as info:
        load_lab(tmp_path / "lab.yaml")
    message = str(info.value)
    assert f"{tmp_path / 'vms.yaml'}:2:" in message
    assert "no CSV named 'Volume9'" in message


def test_include_duplicate_name_across_files(tmp_path: Path) -> None:
    (tmp_path / "vms.yaml").write_text("vms:\n  SQL1: {memory: 8GiB}\n")
    (tmp_path / "lab.yaml").write_text("include: vms.yaml\n" + GOOD)
    with pytest.raises(LabError, match=r"duplicate name 'SQL1' \(first at .*lab\.yaml:25\)"):
        load_lab(tmp_path / "lab.yaml")


def test_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("include: a.yaml\n")
    with pytest.raises(LabError, match="cycle"):
        load_lab(tmp_path / "a.yaml")


def test_merge_keys_share_a_host_definition() -> None:
    text = GOOD.replace("  node1:\n", "  node1: &n\n").replace(
        "  node2:\n    nics: {NIC1: 10G, NIC2: 10G}\n", "  node2: {<<: *n, cpus: 8}\n"
    )
    lab = load_lab_text(text, "lab.yaml")
    assert lab.hosts["node2"].cpus == 8
    assert set(lab.hosts["node2"].teams) == {"VMTeam"}
