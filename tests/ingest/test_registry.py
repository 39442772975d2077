"""Cluster groups from a .reg export of HKLM\\Cluster\\Groups."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hvlab.ingest.registry import parse_reg, parse_reg_text, read_cluster_groups

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
REG = SAMPLE / "cluster" / "Groups.reg"


def test_fixture_is_utf16_with_bom() -> None:
    assert REG.read_bytes().startswith(codecs.BOM_UTF16_LE)


def test_fixture_groups() -> None:
    export = read_cluster_groups(REG)
    assert export.warnings == ()
    names = [group.name for group in export.groups]
    assert names == [
        "Cluster Group",
        "Available Storage",
        "HopelessVM",
        "SQL01",
        "FILE01",
        "O'Brien's VM",
        "MYSERVER",
        "WEB01",
    ]
    hopeless = export.groups[2]
    assert hopeless.group_id == "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"
    assert hopeless.type == "VirtualMachine"
    assert len(hopeless.contains) == 2 and all(len(item) == 36 for item in hopeless.contains)
    core = export.groups[0]
    assert core.type == "Cluster"
    assert core.contains == (
        "8f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e",
        "9a2d3e4f-5b6c-4d7e-9f80-a12b3c4d5e6f",
    )
    assert export.groups[1].contains == ()
    assert hopeless.line is not None and hopeless.file == str(REG)


def test_utf8_file_and_braced_keys(tmp_path: Path) -> None:
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\Cluster\\Groups\\{0F8CABE4-F773-4AE4-B431-ADA5A3C9926C}]\r\n"
        '"Name"="Quote \\"q\\" and back\\\\slash"\r\n'
        '"GroupType"=dword:0000006f\r\n'
        '"Contains"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n'
    )
    path = tmp_path / "g.reg"
    path.write_bytes(text.encode("utf-8"))
    (group,) = read_cluster_groups(path).groups
    assert group.group_id == "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"
    assert group.name == 'Quote "q" and back\\slash'
    assert group.contains == ("a", "b")


def test_unexpected_encoding_warns(tmp_path: Path) -> None:
    text = (
        "Windows Registry Editor Version 5.00\r\n"
        "[HKEY_LOCAL_MACHINE\\Cluster\\Groups\\0f8cabe4-f773-4ae4-b431-ada5a3c9926c]\r\n"
        '"Name"="Caf\xe9"\r\n'
    )
    path = tmp_path / "g.reg"
    path.write_bytes(text.encode("cp1252"))
    export = read_cluster_groups(path)
    assert export.groups[0].name == "Café"
    assert "neither UTF-16 nor UTF-8" in export.warnings[0].message
    assert export.warnings[0].file == str(path)


def test_value_types_and_continuations() -> None:
    text = "\n".join(
        [
            "REGEDIT4",
            "; comment",
            "[HKEY_LOCAL_MACHINE\\X]",
            '@="default"',
            '"D"=dword:0000000a',
            '"Q"=hex(b):01,00,00,00,00,00,00,00',
            '"B"=hex:01,02,\\',
            "  03",
            '"E"=hex(2):41,42,00',
            '"Gone"=-',
            "[-HKEY_LOCAL_MACHINE\\Y]",
            '"Orphan"="x"',
        ]
    )
    keys, warnings = parse_reg(text, "t.reg")
    line, values = keys["HKEY_LOCAL_MACHINE\\X"]
    assert line == 3
    assert values == {"": "default", "D": 10, "Q": 1, "B": b"\x01\x02\x03", "E": "AB"}
    assert [(w.line, w.message) for w in warnings] == [(12, "value outside of any key")]


def test_broken_lines_warn_and_keep_the_rest() -> None:
    text = "\n".join(
        [
            "[HKEY_LOCAL_MACHINE\\Cluster\\Groups\\not-a-guid]",
            '"Name"="x"',
            "[HKEY_LOCAL_MACHINE\\Cluster\\Groups\\0f8cabe4-f773-4ae4-b431-ada5a3c9926c]",
            '"Name"="ok"',
            '"GroupType"=dword:zz',
            '"Contains"=hex(7):zz',
            "garbage",
            "[unterminated",
        ]
    )
    export = parse_reg_text(text, "t.reg")
    assert [group.name for group in export.groups] == ["ok"]
    messages = [(warning.line, warning.message) for warning in export.warnings]
    assert messages[0] == (
        1,
        "missing 'Windows Registry Editor Version 5.00' header; read anyway",
    )
    assert (5, "unreadable value 'GroupType'") in messages
    assert (6, "unreadable value 'Contains'") in messages
    assert (7, "unreadable line") in messages
    assert (8, "unterminated key line") in messages
    assert (1, "group key name 'not-a-guid' is not a GUID") in messages


def test_missing_file(tmp_path: Path) -> None:
    export = read_cluster_groups(tmp_path / "none.reg")
    assert export.groups == () and "cannot read" in export.warnings[0].message


@settings(max_examples=100, deadline=None)
@given(rng=st.randoms(use_true_random=False), edits=st.integers(1, 40))
def test_mutated_reg_text_never_raises(rng: random.Random, edits: int) -> None:
    text = REG.read_bytes().decode("utf-16")
    chars = list(text)
    for _ in range(edits):
        position = rng.randrange(len(chars))
        if rng.random() < 0.5:
            del chars[position]
        else:
            chars.insert(position, rng.choice('[]"=\\,:\n@-hexdword(7)'))
    export = parse_reg_text("".join(chars), "fuzz.reg")
    assert all(group.group_id for group in export.groups)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    from hvlab.ingest.records import decode_text

    export = parse_reg_text(decode_text(data, "fuzz.reg").text, "fuzz.reg")
    assert export.file == "fuzz.reg"
