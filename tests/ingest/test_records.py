"""Shared helpers of hvlab.ingest.records: text decoding and GUID normalisation."""

from __future__ import annotations

import codecs

from hypothesis import given
from hypothesis import strategies as st

from hvlab.ingest.records import EventScan, IngestWarning, decode_text, normalize_guid


def test_decode_utf8_bom() -> None:
    decoded = decode_text(codecs.BOM_UTF8 + "Größe".encode(), "f")
    assert (decoded.text, decoded.encoding, decoded.warnings) == ("Größe", "utf-8", ())


def test_decode_utf16_le_bom_as_powershell_out_file_writes_it() -> None:
    decoded = decode_text(codecs.BOM_UTF16_LE + "[{}]".encode("utf-16-le"), "f")
    assert (decoded.text, decoded.encoding, decoded.warnings) == ("[{}]", "utf-16-le", ())


def test_decode_utf16_be_bom() -> None:
    decoded = decode_text(codecs.BOM_UTF16_BE + "x".encode("utf-16-be"), "f")
    assert decoded.text == "x"


def test_decode_utf16_without_bom_warns() -> None:
    decoded = decode_text("Windows Registry".encode("utf-16-le"), "f.reg", what=".reg export")
    assert decoded.text == "Windows Registry"
    assert "without a byte-order mark" in decoded.warnings[0].message


def test_decode_other_encoding_falls_back_with_warning() -> None:
    decoded = decode_text("café".encode("cp1252"), "f.reg", what=".reg export")
    assert decoded.text == "café"
    assert decoded.encoding == "cp1252"
    assert decoded.warnings[0].file == "f.reg"
    assert "neither UTF-16 nor UTF-8" in decoded.warnings[0].message


@given(st.binary(max_size=300))
def test_decode_never_raises(data: bytes) -> None:
    assert isinstance(decode_text(data, "fuzz").text, str)


def test_normalize_guid() -> None:
    assert normalize_guid("{0F8CABE4-F773-4AE4-B431-ADA5A3C9926C}") == (
        "0f8cabe4-f773-4ae4-b431-ada5a3c9926c"
    )
    assert normalize_guid(" df43bf60-7216-47ed-9560-7561d24c7dc8 ") == (
        "df43bf60-7216-47ed-9560-7561d24c7dc8"
    )
    assert normalize_guid("0f8cabe4-f773-4ae4-b431") is None
    assert normalize_guid("'; DROP TABLE x; --") is None
    assert normalize_guid(42) is None


def test_warning_and_summary_text() -> None:
    assert str(IngestWarning("a.reg", "bad", 3)) == "a.reg:3: bad"
    scan = EventScan("system.evtx", (), 1881)
    assert scan.summary == "system.evtx: 1881 records scanned, no Hyper-V events"
