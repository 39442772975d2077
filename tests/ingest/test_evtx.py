"""Hyper-V events from real .evtx files and from constructed event XML."""

from __future__ import annotations

import codecs
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hvlab.ingest.evtx import (
    KNOWN_EVENTS,
    _event_from_json_record,
    iter_known,
    parse_event_xml,
    read_event_xml,
    read_events,
    read_evtx,
)

EVTX = Path(__file__).parents[2] / ".." / "shared" / "data" / "evtx"
SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"
INTEGRATION = SAMPLE / "events" / "HV01_Microsoft-Windows-Hyper-V-Integration-Admin.xml"
WORKER = SAMPLE / "events" / "HV02_Microsoft-Windows-Hyper-V-Worker-Admin.xml"
NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def real(name: str) -> Path:
    path = EVTX / name
    if not path.is_file():
        pytest.skip(f"real EVTX sample {name} not present in shared/data/evtx")
    return path


def event_xml(
    event_id: int = 4010,
    provider: str = "Microsoft-Windows-Hyper-V-Integration-KvpExchange",
    channel: str = "Microsoft-Windows-Hyper-V-Integration-Admin",
    body: str = "<UserData><VmlEventLog xmlns='http://www.microsoft.com/Windows/Virtualization/Events'>"
    "<VmName>SQL01</VmName><VmId>8A2B6C1D-44E3-4F6A-9B2C-1D3E5F708192</VmId></VmlEventLog>"
    "</UserData>",
    time: str = "2012-11-05T09:14:02.1234567Z",
) -> str:
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='{provider}'/><EventID>{event_id}</EventID>"
        f"<Level>3</Level><TimeCreated SystemTime='{time}'/><EventRecordID>7</EventRecordID>"
        f"<Channel>{channel}</Channel><Computer>HV01.test.lab</Computer></System>{body}</Event>"
    )


# --------------------------------------------------------------------------- real EVTX files


def test_system_evtx_has_no_hyperv_events_and_says_so() -> None:
    scan = read_evtx(real("system.evtx"))
    assert scan.records_scanned == 1881
    assert scan.events == ()
    assert scan.warnings == ()
    assert scan.summary.endswith("1881 records scanned, no Hyper-V events")


def test_read_events_recognises_evtx_by_signature() -> None:
    scan = read_events(real("system.evtx"), event_ids=[4010])
    assert scan.format == "evtx"
    assert scan.records_scanned == 1881


def test_checksumless_evtx_warns_and_keeps_records() -> None:
    path = real("Application_no_crc32.evtx")
    scan = read_evtx(path)
    assert scan.records_scanned > 0
    assert scan.warnings
    assert all(warning.file == str(path) for warning in scan.warnings)
    assert any("checksum" in warning.message for warning in scan.warnings)
    assert str(path) in str(scan.warnings[0])


def test_bad_chunk_magic_warns_and_keeps_readable_records() -> None:
    path = real("sample_with_a_bad_chunk_magic.evtx")
    scan = read_evtx(path)
    assert scan.records_scanned >= 200
    messages = " | ".join(warning.message for warning in scan.warnings)
    assert "ElfChnk" in messages
    assert "could not read" in messages
    assert all(warning.file == str(path) for warning in scan.warnings)


def test_unreadable_path_is_a_warning(tmp_path: Path) -> None:
    scan = read_events(tmp_path / "missing.evtx")
    assert scan.events == ()
    assert "cannot read" in scan.warnings[0].message


def test_not_an_evtx_file(tmp_path: Path) -> None:
    path = tmp_path / "fake.evtx"
    path.write_bytes(b"this is not a log")
    scan = read_evtx(path)
    assert scan.records_scanned == 0
    assert any("ElfFile" in warning.message for warning in scan.warnings)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 200_000), st.integers(0, 255)), min_size=1, max_size=40))
def test_mutated_real_evtx_never_raises(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    source = EVTX / "system.evtx"
    if not source.is_file():
        pytest.skip("system.evtx not present")
    data = bytearray(source.read_bytes()[:200_000])
    for position, value in flips:
        data[position % len(data)] = value
    target = tmp_path / "mutated.evtx"
    target.write_bytes(bytes(data))
    scan = read_events(target)
    assert scan.records_scanned >= 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=5000))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    for prefix in (b"", b"ElfFile\x00"):
        target = tmp_path / "random.evtx"
        target.write_bytes(prefix + data)
        scan = read_events(target)
        assert scan.records_scanned >= 0


# --------------------------------------------------------------------------- constructed XML


def test_integration_services_warnings_for_two_guests() -> None:
    scan = read_event_xml(INTEGRATION)
    assert scan.records_scanned == 3
    assert scan.warnings == ()
    older = list(iter_known(scan, "integration-services-version-mismatch"))
    assert [(event.vm_name, event.event_id) for event in older] == [
        ("SQL01", 4010),
        ("FILE01", 4010),
    ]
    first = older[0]
    assert first.channel == "Microsoft-Windows-Hyper-V-Integration-Admin"
    assert first.provider == "Microsoft-Windows-Hyper-V-Integration-KvpExchange"
    assert first.vm_id == "8A2B6C1D-44E3-4F6A-9B2C-1D3E5F708192"
    assert first.level_name == "Warning"
    assert first.computer == "HV01.test.lab"
    assert first.time_created == datetime(2012, 11, 5, 9, 14, 2, 123456, tzinfo=UTC)
    other = scan.events[2]
    assert (other.event_id, other.kind, other.vm_name) == (4096, None, "HopelessVM")


def test_worker_events_of_the_50gb_vm() -> None:
    scan = read_events(WORKER)
    assert scan.format == "xml"
    assert scan.warnings == ()  # the header comment mentions <Event> and must not count
    assert [(event.event_id, event.kind) for event in scan.events] == [
        (3050, "memory-initialization-failed"),
        (3320, "memory-contents-file-failed"),
    ]
    bin_event = scan.events[1]
    assert bin_event.vm_name == "MYSERVER"
    assert bin_event.vm_id == "DEDEFFD1-7A32-4654-835D-ACE32EEB60EE"
    assert bin_event.message is not None and "of size 50003 MB" in bin_event.message
    assert bin_event.data["FileSizeMB"] == "50003"
    assert bin_event.level_name == "Error"


def test_concatenated_events_without_root_and_non_hyperv_events() -> None:
    other = event_xml(7036, "Service Control Manager", "System", "<EventData/>")
    text = "\r\n".join([event_xml(), other, event_xml(3050, "Microsoft-Windows-Hyper-V-Worker")])
    scan = parse_event_xml(text, "stream.xml")
    assert scan.records_scanned == 3
    assert [event.event_id for event in scan.events] == [4010, 3050]


def test_event_ids_filter() -> None:
    text = event_xml() + event_xml(3050, "Microsoft-Windows-Hyper-V-Worker")
    scan = parse_event_xml(text, event_ids={3050})
    assert [event.event_id for event in scan.events] == [3050]
    assert scan.records_scanned == 2


def test_utf16_file_with_declaration(tmp_path: Path) -> None:
    path = tmp_path / "events.xml"
    text = '<?xml version="1.0" encoding="utf-16"?>\r\n<Events>' + event_xml() + "</Events>"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    scan = read_events(path)
    assert [event.vm_name for event in scan.events] == ["SQL01"]
    assert scan.warnings == ()


def test_malformed_event_is_skipped_with_its_line() -> None:
    broken = event_xml().replace("</Computer>", "</Computr>")
    text = event_xml() + "\n" + broken + "\n" + event_xml()
    scan = parse_event_xml(text, "broken.xml")
    assert len(scan.events) == 2
    assert scan.records_scanned == 3
    assert [(warning.line, warning.message) for warning in scan.warnings] == [
        (2, "malformed <Event> element skipped")
    ]


def test_truncated_stream_keeps_complete_events() -> None:
    text = event_xml() + "\n" + event_xml()[:150]
    scan = parse_event_xml(text, "cut.xml")
    assert len(scan.events) == 1
    assert "not closed" in scan.warnings[0].message
    assert scan.warnings[0].line == 2


def test_doctype_and_entities_are_not_processed() -> None:
    text = (
        '<!DOCTYPE e [<!ENTITY x "boom">]>'
        + event_xml(body="<UserData><VmlEventLog><VmName>&x;</VmName></VmlEventLog></UserData>")
        + event_xml()
    )
    scan = parse_event_xml(text, "evil.xml")
    assert [event.vm_name for event in scan.events] == ["SQL01"]
    assert any("document type" in warning.message for warning in scan.warnings)


def test_text_without_events() -> None:
    scan = parse_event_xml("hello", "x.xml")
    assert scan.records_scanned == 0
    assert scan.warnings[0].message == "no <Event> elements found"


def test_event_data_named_and_positional() -> None:
    named = event_xml(
        body="<EventData><Data Name='VmName'>WEB01</Data><Data Name='VmId'>"
        "{7E8F9A0B-1C2D-4E3F-8A9B-0C1D2E3F4A5B}</Data></EventData>"
    )
    positional = event_xml(
        body="<EventData><Data>FILE01</Data><Data>5d6e7f80-1a2b-4c3d-8e9f-a0b1c2d3e4f5</Data>"
        "</EventData>"
    )
    scan = parse_event_xml(named + positional)
    assert [(event.vm_name, event.vm_id) for event in scan.events] == [
        ("WEB01", "7E8F9A0B-1C2D-4E3F-8A9B-0C1D2E3F4A5B"),
        ("FILE01", "5D6E7F80-1A2B-4C3D-8E9F-A0B1C2D3E4F5"),
    ]
    assert scan.events[1].data == {
        "Data1": "FILE01",
        "Data2": "5d6e7f80-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
    }


def test_time_with_offset_and_bad_time() -> None:
    scan = parse_event_xml(
        event_xml(time="2011-08-17T10:30:36+02:00") + event_xml(time="yesterday")
    )
    assert scan.events[0].time_created == datetime(2011, 8, 17, 8, 30, 36, tzinfo=UTC)
    assert scan.events[1].time_created is None


def test_known_events_cite_a_source() -> None:
    assert {known.event_id for known in KNOWN_EVENTS} == {4010, 3050, 3320}
    assert all(known.source for known in KNOWN_EVENTS)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    scan = parse_event_xml(text)
    assert scan.records_scanned >= 0


@settings(max_examples=80, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 30))
def test_mutated_fixture_never_raises(rng: random.Random, cuts: int) -> None:
    text = INTEGRATION.read_text(encoding="utf-8")
    chars = list(text)
    for _ in range(cuts):
        position = rng.randrange(len(chars))
        action = rng.randrange(3)
        if action == 0:
            del chars[position]
        elif action == 1:
            chars.insert(position, rng.choice("<>/&'\"\x00é"))
        else:
            chars[position] = rng.choice("<>x ")
    scan = parse_event_xml("".join(chars))
    assert len(scan.events) <= scan.records_scanned


def evtx_record(event: dict[str, object], record_id: int = 1) -> dict[str, object]:
    """A record as ``evtx.PyEvtxParser.records_json()`` yields it (shape seen on real files)."""
    return {"event_record_id": record_id, "timestamp": "", "data": json.dumps({"Event": event})}


def test_json_records_of_the_evtx_parser() -> None:
    system = {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Hyper-V-Worker", "Guid": "X"}},
        "EventID": 3320,
        "Level": 2,
        "TimeCreated": {"#attributes": {"SystemTime": "2011-08-17T08:30:36.441000Z"}},
        "EventRecordID": 2232,
        "Channel": "Microsoft-Windows-Hyper-V-Worker-Admin",
        "Computer": "HV02.test.lab",
    }
    user_data = {
        "VmlEventLog": {
            "#attributes": {"xmlns": "http://www.microsoft.com/Windows/Virtualization/Events"},
            "VmName": "MYSERVER",
            "VmId": "DEDEFFD1-7A32-4654-835D-ACE32EEB60EE",
            "FileSizeMB": 50003,
        }
    }
    event = _event_from_json_record(
        evtx_record({"System": system, "UserData": user_data}), "w.evtx", None
    )
    assert event is not None
    assert (event.event_id, event.kind, event.vm_name, event.record_id) == (
        3320,
        "memory-contents-file-failed",
        "MYSERVER",
        2232,
    )
    assert event.data["FileSizeMB"] == "50003"
    assert event.time_created == datetime(2011, 8, 17, 8, 30, 36, 441000, tzinfo=UTC)

    integration = dict(
        system,
        Provider={"#attributes": {"Name": "Microsoft-Windows-Hyper-V-Integration-KvpExchange"}},
        EventID={"#attributes": {"Qualifiers": 0}, "#text": 4010},
        Channel="Microsoft-Windows-Hyper-V-Integration-Admin",
    )
    unnamed = {"Data": {"#text": ["FILE01", "5D6E7F80-1A2B-4C3D-8E9F-A0B1C2D3E4F5"]}}
    event = _event_from_json_record(
        evtx_record({"System": integration, "EventData": unnamed}), "i.evtx", None
    )
    assert event is not None
    assert (event.kind, event.vm_name, event.vm_id) == (
        "integration-services-version-mismatch",
        "FILE01",
        "5D6E7F80-1A2B-4C3D-8E9F-A0B1C2D3E4F5",
    )
    assert (
        _event_from_json_record(evtx_record({"System": integration}), "i", frozenset({3050}))
        is None
    )
    other = dict(system, Provider={"#attributes": {"Name": "EventLog"}}, Channel="System")
    assert (
        _event_from_json_record(evtx_record({"System": other, "X": "Hyper-V"}), "s", None) is None
    )
    assert _event_from_json_record({"data": "{not json Hyper-V"}, "s", None) is None
