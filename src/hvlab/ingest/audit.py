"""``hvlab audit``: read an export folder, build its lab, check it, and say what is unknown.

:func:`run_audit` is the whole audit as one call (the CLI renders its result
with :mod:`hvlab.report.audit`):

1. :func:`hvlab.ingest.read_folder` reads every export; every reader warning
   is kept, naming its file (relative to the folder);
2. :func:`hvlab.ingest.build.build_lab` builds the :class:`~hvlab.model.lab.Lab`;
3. :func:`hvlab.rules.check_lab` checks it with the unknown parts declared, so
   rules needing them are skipped and listed; a finding that rests on a value
   the export did not carry (a model default standing in) is withheld and its
   rule listed as not checked for that object;
4. the event logs are summarised: the guests Hyper-V reported with older
   integration services (event 4010, per VM and host), the saved-state
   failures (3050/3320), counts per file, and the logs with no Hyper-V events;
5. the VMM inventory is compared with the cluster registry
   (:func:`hvlab.ingest.vmm.find_drifts`, error 12711) and the reviewed fix is
   written (:func:`hvlab.ingest.vmm.fix_sql`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from hvlab.errors import UserError
from hvlab.ingest import AuditFolder, read_folder
from hvlab.ingest.build import UNKNOWN_PARTS, BuiltLab, Gap, build_lab, cluster_groups, vmm_rows
from hvlab.ingest.evtx import iter_known
from hvlab.ingest.records import EventScan, HyperVEvent, IngestWarning, ResourceGroupDrift
from hvlab.ingest.vmm import find_drifts, fix_sql
from hvlab.model.lab import Lab
from hvlab.model.yamlsource import dotted
from hvlab.rules import CheckResult, check_lab, load_rules
from hvlab.rules.base import Finding

__all__ = [
    "AuditResult",
    "EventLogSummary",
    "EventsSummary",
    "FileRead",
    "IntegrationServicesCheck",
    "MemoryFailure",
    "OutdatedGuest",
    "Unknown",
    "run_audit",
]

OUTDATED = "integration-services-version-mismatch"
"""``kind`` of event 4010 in :data:`hvlab.ingest.evtx.KNOWN_EVENTS`."""
MEMORY_FAILURES = ("memory-initialization-failed", "memory-contents-file-failed")
"""``kind`` of events 3050 and 3320."""

_IMPLICIT_NEEDS = {"HV401": "host_os"}
"""Rules that read a value the audit may not know without declaring it (``ctx.require``).

HV401 falls back to the integration services of ``Host.os``, which is the
model's default when the export does not say; until it requires ``host_os``
itself, its verdicts on VMs whose hosts' OS is unknown are withheld here."""


@dataclass(frozen=True)
class FileRead:
    """One file of the folder: what it held, how many records were read, how many warnings."""

    file: str
    kind: str
    what: str
    host: str | None
    records: int
    warnings: int


@dataclass(frozen=True)
class EventLogSummary:
    """One event log file: records scanned, Hyper-V events per id, and a note."""

    file: str
    format: str
    host: str | None
    records: int
    hyperv_events: int
    by_id: tuple[tuple[int, int], ...]
    warnings: int

    @property
    def note(self) -> str:
        """``"no Hyper-V events"`` for a log without any, else ``""``."""
        return "" if self.hyperv_events else "no Hyper-V events"


@dataclass(frozen=True)
class OutdatedGuest:
    """A guest Hyper-V reported with older integration services (event 4010) on one host.

    ``lab_vm`` is the VM of the built lab it is (matched by VM id, then name);
    ``version`` its ``IntegrationServicesVersion`` from ``Get-VM``.
    """

    vm: str
    vm_id: str | None
    host: str | None
    events: int
    first: str | None
    last: str | None
    files: tuple[str, ...]
    lab_vm: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class MemoryFailure:
    """Event 3050 or 3320: a VM whose memory/saved-state file could not be created."""

    vm: str | None
    vm_id: str | None
    host: str | None
    event_id: int
    time: str | None
    message: str | None
    file: str
    lab_vm: str | None = None


@dataclass(frozen=True)
class EventsSummary:
    """What the event logs say: per file, the outdated guests, the saved-state failures."""

    logs: tuple[EventLogSummary, ...] = ()
    outdated_guests: tuple[OutdatedGuest, ...] = ()
    memory_failures: tuple[MemoryFailure, ...] = ()


@dataclass(frozen=True)
class IntegrationServicesCheck:
    """The guests the 4010 events name, beside the VMs rule HV401 flags from ``Get-VM``.

    ``withheld`` lists VMs HV401 could not judge (their hosts' OS is unknown).
    Names are lab VM names (event names when no lab VM matches).
    """

    events: tuple[str, ...]
    hv401: tuple[str, ...]
    withheld: tuple[str, ...] = ()

    @property
    def only_in_events(self) -> tuple[str, ...]:
        """Guests with a 4010 event that HV401 does not flag."""
        return tuple(sorted(set(self.events) - set(self.hv401)))

    @property
    def only_in_hv401(self) -> tuple[str, ...]:
        """VMs HV401 flags that no 4010 event names (not started since the log began?)."""
        return tuple(sorted(set(self.hv401) - set(self.events)))

    @property
    def agree(self) -> bool:
        """True when both sources name the same guests and HV401 judged all of them."""
        return not self.withheld and set(self.events) == set(self.hv401)


@dataclass(frozen=True)
class Unknown:
    """A part of the lab the exports did not cover, and where (``paths``, may be empty)."""

    part: str
    description: str
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditResult:
    """Everything ``hvlab audit`` reports.

    ``warnings`` name their files relative to ``folder`` and never change the
    exit code; ``sql`` is the reviewed 12711 fix for ``drifts`` (a script that
    changes nothing when there is no drift).
    """

    folder: str
    lab: Lab
    check: CheckResult
    files: tuple[FileRead, ...]
    warnings: tuple[IngestWarning, ...]
    events: EventsSummary
    drifts: tuple[ResourceGroupDrift, ...]
    sql: str
    unknown: tuple[Unknown, ...]
    notes: tuple[str, ...]
    integration_services: IntegrationServicesCheck
    sources: dict[str, tuple[str, ...]]


# --------------------------------------------------------------------------- helpers


def _rel(root: str, file: str) -> str:
    """``file`` relative to the audited folder (the folder itself as given)."""
    try:
        relative = Path(file).relative_to(root).as_posix()
    except ValueError:
        return Path(file).as_posix()
    return relative if relative != "." else Path(file).as_posix()


def _prefix(file: str) -> str | None:
    """``HV01`` from ``HV01_Microsoft-Windows-Hyper-V-Worker-Admin.xml``."""
    stem = Path(file).name
    head, sep, _ = stem.partition("_")
    return head if sep and head else None


def _prefix_host(file: str, lab: Lab) -> str | None:
    """The lab host a file name starts with (``HV01_...``), or ``None``."""
    head = _prefix(file)
    return next((h for h in lab.hosts if head and h.casefold() == head.casefold()), None)


def _lab_host(lab: Lab, name: str | None) -> str | None:
    if not name:
        return None
    short = name.strip().split(".", 1)[0]
    for host in lab.hosts:
        if host.casefold() == short.casefold():
            return host
    return short or None


def _lab_vm(lab: Lab, event: HyperVEvent, host: str | None) -> str | None:
    """The lab VM an event is about: by VM id, else by name (on that host when several)."""
    if event.vm_id:
        wanted = event.vm_id.strip("{}").casefold()
        for name, vm in lab.vms.items():
            if vm.vm_id and vm.vm_id.strip("{}").casefold() == wanted:
                return name
    if event.vm_name:
        named = [n for n in lab.vms if n.casefold() == event.vm_name.casefold()]
        if not named:
            prefix = event.vm_name.casefold() + " ("
            named = [n for n in lab.vms if n.casefold().startswith(prefix)]
        if len(named) > 1 and host:
            named = [n for n in named if lab.vms[n].host == host]
        if len(named) == 1:
            return named[0]
    return None


def _time(event: HyperVEvent) -> str | None:
    return event.time_created.isoformat() if event.time_created else None


# --------------------------------------------------------------------------- parts


def _files(folder: AuditFolder, lab: Lab) -> tuple[FileRead, ...]:
    rows: list[FileRead] = []
    root = folder.path
    for ps in folder.powershell:
        rows.append(
            FileRead(
                _rel(root, ps.file),
                "powershell",
                ps.cmdlet or "unrecognised JSON",
                ps.host,
                len(ps.records),
                len(ps.warnings),
            )
        )
    for scan in folder.events:
        rows.append(
            FileRead(
                _rel(root, scan.file),
                "events",
                "EVTX" if scan.format == "evtx" else "event XML",
                _prefix_host(scan.file, lab),
                scan.records_scanned,
                len(scan.warnings),
            )
        )
    for vmm in folder.vmm:
        rows.append(
            FileRead(
                _rel(root, vmm.file),
                "vmm",
                "tbl_WLC_VMInstance",
                None,
                len(vmm.vms),
                len(vmm.warnings),
            )
        )
    for reg in folder.registry:
        rows.append(
            FileRead(
                _rel(root, reg.file),
                "registry",
                "HKLM\\Cluster\\Groups",
                None,
                len(reg.groups),
                len(reg.warnings),
            )
        )
    for iis in folder.iis:
        rows.append(
            FileRead(
                _rel(root, iis.file),
                "iis",
                "applicationHost.config",
                _prefix(iis.file),
                len(iis.sites),
                len(iis.warnings),
            )
        )
    return tuple(sorted(rows, key=lambda row: row.file))


def _log_summary(root: str, scan: EventScan, lab: Lab) -> EventLogSummary:
    counts: dict[int, int] = {}
    for event in scan.events:
        if event.event_id is not None:
            counts[event.event_id] = counts.get(event.event_id, 0) + 1
    computers = {e.computer for e in scan.events if e.computer}
    host = _lab_host(lab, next(iter(computers))) if len(computers) == 1 else None
    return EventLogSummary(
        file=_rel(root, scan.file),
        format=scan.format,
        host=host or _prefix_host(scan.file, lab),
        records=scan.records_scanned,
        hyperv_events=len(scan.events),
        by_id=tuple(sorted(counts.items())),
        warnings=len(scan.warnings),
    )


def summarize_events(folder: AuditFolder, lab: Lab) -> EventsSummary:
    """Summarise the event logs of ``folder`` against ``lab``.

    Returns
    -------
    EventsSummary
        One :class:`EventLogSummary` per file (sorted), the guests of 4010
        events grouped by (VM, host) with their ``Get-VM`` version, and every
        3050/3320 event, in time order.
    """
    root = folder.path
    logs = tuple(sorted((_log_summary(root, s, lab) for s in folder.events), key=lambda x: x.file))
    grouped: dict[tuple[str, str], list[tuple[HyperVEvent, str | None, str]]] = {}
    failures: list[MemoryFailure] = []
    for scan in folder.events:
        default_host = _prefix_host(scan.file, lab)
        for event in iter_known(scan, OUTDATED):
            host = _lab_host(lab, event.computer or default_host)
            name = event.vm_name or event.vm_id or "(unnamed VM)"
            key = ((event.vm_id or name).casefold(), (host or "").casefold())
            grouped.setdefault(key, []).append((event, host, _rel(root, scan.file)))
        for kind in MEMORY_FAILURES:
            for event in iter_known(scan, kind):
                host = _lab_host(lab, event.computer or default_host)
                failures.append(
                    MemoryFailure(
                        vm=event.vm_name,
                        vm_id=event.vm_id,
                        host=host,
                        event_id=event.event_id or 0,
                        time=_time(event),
                        message=event.message,
                        file=_rel(root, scan.file),
                        lab_vm=_lab_vm(lab, event, host),
                    )
                )
    guests: list[OutdatedGuest] = []
    for items in grouped.values():
        first_event, host, _ = items[0]
        times = sorted(t for t in (_time(e) for e, _, _ in items) if t)
        lab_vm = _lab_vm(lab, first_event, host)
        guests.append(
            OutdatedGuest(
                vm=first_event.vm_name or lab_vm or first_event.vm_id or "(unnamed VM)",
                vm_id=first_event.vm_id,
                host=host,
                events=len(items),
                first=times[0] if times else None,
                last=times[-1] if times else None,
                files=tuple(sorted({f for _, _, f in items})),
                lab_vm=lab_vm,
                version=lab.vms[lab_vm].integration_services if lab_vm else None,
            )
        )
    guests.sort(key=lambda g: ((g.host or "").casefold(), g.vm.casefold()))
    failures.sort(key=lambda f: (f.time or "", f.file, f.event_id))
    return EventsSummary(logs, tuple(guests), tuple(failures))


def _hv401_unjudged(built: BuiltLab) -> dict[str, str]:
    """VM → host(s) whose unknown OS HV401 would replace with the model's default."""
    lab = built.lab
    unknown_os = {
        host for host in lab.hosts if dotted(("hosts", host, "os")) in {g.path for g in built.gaps}
    }
    out: dict[str, str] = {}
    for name, vm in lab.vms.items():
        if not vm.integration_services:
            continue
        nodes = lab.clusters[vm.cluster].nodes if vm.cluster in lab.clusters else ()
        if not nodes and vm.host:
            nodes = (vm.host,)
        blind = [
            n
            for n in nodes
            if n in unknown_os and n in lab.hosts and not lab.hosts[n].integration_services
        ]
        if blind:
            out[name] = ", ".join(blind)
    return out


def _under(path: str, gap: Gap) -> bool:
    return path == gap.path or path.startswith(gap.path + ".") or path.startswith(gap.path + "[")


def _withhold(check: CheckResult, built: BuiltLab) -> CheckResult:
    """Move findings that rest on a stand-in value to the rules' "not checked" list."""
    unjudged = _hv401_unjudged(built)
    hv401_objects = {dotted(("vms", vm, "integration_services")): vm for vm in unjudged}
    kept: list[Finding] = []
    reasons: dict[str, dict[str, list[str]]] = {}
    for finding in check.findings:
        gap = next((g for g in built.gaps if _under(finding.object, g)), None)
        if gap is not None:
            reasons.setdefault(finding.rule, {}).setdefault(gap.part, []).append(finding.object)
            continue
        if finding.rule in _IMPLICIT_NEEDS and finding.object in hv401_objects:
            continue
        kept.append(finding)
    skipped = list(check.skipped)
    for rule, parts in sorted(reasons.items()):
        for part, objects in sorted(parts.items()):
            skipped.append(
                (rule, f"the export does not say ({part}) for {', '.join(sorted(objects))}")
            )
    already = {rule for rule, _ in check.skipped}
    rules = load_rules()
    for rule, part in _IMPLICIT_NEEDS.items():
        if unjudged and rule in rules and rule not in already:
            hosts = sorted({h for value in unjudged.values() for h in value.split(", ")})
            skipped.append(
                (
                    rule,
                    f"the export does not say ({part}) for {', '.join(hosts)}: not checked "
                    f"for {', '.join(sorted(unjudged))}",
                )
            )
    skipped.sort(key=lambda item: item[0])  # stable: a rule's reasons keep their order
    return CheckResult(tuple(kept), tuple(skipped), check.rules_run)


def _integration_services(
    events: EventsSummary, check: CheckResult, lab: Lab, withheld: Iterable[str]
) -> IntegrationServicesCheck:
    objects = {dotted(("vms", name, "integration_services")): name for name in lab.vms}
    flagged = sorted(
        {objects[f.object] for f in check.findings if f.rule == "HV401" and f.object in objects}
    )
    named = sorted({g.lab_vm or g.vm for g in events.outdated_guests})
    return IntegrationServicesCheck(tuple(named), tuple(flagged), tuple(sorted(withheld)))


def _unknown(built: BuiltLab) -> tuple[Unknown, ...]:
    paths: dict[str, list[str]] = {}
    for gap in built.gaps:
        paths.setdefault(gap.part, []).append(gap.path)
    return tuple(
        Unknown(part, UNKNOWN_PARTS.get(part, part), tuple(sorted(set(paths.get(part, [])))))
        for part in sorted(built.unknown)
    )


def _check_folder(path: str | Path) -> Path:
    root = Path(path)
    try:
        if not root.exists():
            raise UserError(f"{path}: no such folder (give the folder Collect-HvLab.ps1 wrote)")
        if not root.is_dir():
            raise UserError(f"{path}: not a folder (give the folder Collect-HvLab.ps1 wrote)")
        if not any(item.is_file() for item in root.rglob("*")):
            raise UserError(
                f"{path}: the folder is empty; run Collect-HvLab.ps1 (hvlab collect-script) "
                "on a cluster node and audit the folder it writes"
            )
    except OSError as exc:
        raise UserError(f"{path}: cannot read the folder ({exc})") from None
    return root


def run_audit(path: str | Path) -> AuditResult:
    """Audit the export folder at ``path``.

    Parameters
    ----------
    path
        The folder ``Collect-HvLab.ps1`` wrote (or any folder of the same files).

    Returns
    -------
    AuditResult
        The built lab, its findings (rules needing unknown parts skipped and
        listed), every reader and builder warning naming its file, the events
        summary, the VMM drifts with their T-SQL fix, and the unknown parts.
        Deterministic: the same folder gives the same result.

    Raises
    ------
    UserError
        When ``path`` is missing, not a folder, empty, or holds no file an
        importer reads. Bad files never raise: they become warnings.
    """
    root = _check_folder(path)
    folder = read_folder(root)
    if not (folder.powershell or folder.events or folder.vmm or folder.registry or folder.iis):
        listed = "; ".join(w.message for w in folder.warnings)
        raise UserError(
            f"{path}: no export hvlab reads ({listed or 'no files'}); expected "
            "<host>_Get-*.json, event logs (.evtx/.xml), *VMInstance*.csv, Groups.reg or "
            "<server>_applicationHost.config"
        )
    built = build_lab(folder)
    lab = built.lab
    try:
        raw = check_lab(lab, unknown=built.unknown)
    except Exception as exc:  # a rule bug must not cost the user the rest of the audit
        raw = CheckResult(
            (), (("*", f"the rules failed (a bug in hvlab, please report it): {exc}"),)
        )
    check = _withhold(raw, built)
    events = summarize_events(folder, lab)
    drifts = tuple(find_drifts(vmm_rows(folder), cluster_groups(folder)))
    root_text = folder.path
    warnings = [
        replace(w, file=_rel(root_text, w.file))
        for w in folder.all_warnings()
        if w.file not in built.consumed
    ]
    warnings += [replace(w, file=_rel(root_text, w.file)) for w in built.warnings]
    unjudged = _hv401_unjudged(built)
    withheld_hv401 = unjudged if any(r == "HV401" for r, _ in check.skipped) else {}
    return AuditResult(
        folder=str(path),
        lab=lab,
        check=check,
        files=_files(folder, lab),
        warnings=tuple(warnings),
        events=events,
        drifts=drifts,
        sql=fix_sql(drifts),
        unknown=_unknown(built),
        notes=tuple(built.notes),
        integration_services=_integration_services(events, check, lab, withheld_hv401),
        sources=dict(built.sources),
    )
