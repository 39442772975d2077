"""The report's sections as plain data: findings, teams, scenarios, defaults and assumptions.

Each builder returns a JSON-able dict with ``available`` (and ``error`` when the engine
behind it raised): one failing engine shows "not available" in its own section instead
of failing the whole report. Everything is deterministic (fixed seeds, stable order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hvlab.condition import Condition
from hvlab.defaults import DEFAULTS
from hvlab.model.lab import Lab
from hvlab.model.units import format_bytes, format_duration, format_speed
from hvlab.report.html.netview import L2Picture, css_id, host_id, switch_id

__all__ = [
    "defaults_section",
    "element_targets",
    "findings_section",
    "object_targets",
    "scenarios_section",
    "teams_section",
]

SEVERITY_ORDER = ("error", "warning", "info")


def _unavailable(exc: BaseException) -> dict[str, Any]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return {
        "available": False,
        "error": f"{type(exc).__name__}: {text}" if text else type(exc).__name__,
    }


def _vm_host(lab: Lab, name: str) -> list[str]:
    vm = lab.vms.get(name)
    if vm is not None and vm.host and vm.host in lab.hosts:
        return [vm.host]
    if lab.management is not None:
        managed = lab.management.vms.get(name)
        if managed is not None and managed.host in lab.hosts:
            return [str(managed.host)]
    if vm is not None and vm.cluster in lab.clusters:
        return list(lab.clusters[vm.cluster].nodes)
    return []


def _server_hosts(lab: Lab, servers: Iterable[str]) -> list[str]:
    out: list[str] = []
    for server in servers:
        name = server.split(":")[0]
        found = [name] if name in lab.hosts else _vm_host(lab, name)
        out.extend(h for h in found if h not in out)
    return out


def _lines_at(picture: L2Picture, node: str, port: str) -> list[str]:
    out = []
    for line in picture.lines:
        ends = {(line.a, line.pa), (line.b, line.pb)}
        for cable in line.cables:
            ends.update(tuple(e.partition(":")[::2]) for e in cable.endpoints)  # type: ignore[misc]
        if (node, port) in ends:
            out.append(line.id)
    return out


def object_targets(lab: Lab, picture: L2Picture, obj: str) -> list[str]:
    """Return the ids of the drawn objects a finding's dotted object path points at.

    ``hosts.node1.antivirus`` → ``host-node1``; ``switches.tor1.lags.Po1`` → ``sw-tor1``
    and the LAG's line; ``vms.SQL1`` → the VM's host; ``clusters.clu1...`` → its nodes;
    ``links.3`` → that cable's line; a load balancer or web site → the hosts of its
    servers. Empty when nothing drawn matches.
    """
    parts = obj.split(".")
    if len(parts) < 2:
        return []
    kind, name = parts[0], parts[1]
    if kind in ("hosts", "nodes") and name in lab.hosts:
        return [host_id(name)]
    if kind == "switches" and name in lab.switches:
        out = [switch_id(name)]
        if len(parts) >= 4 and parts[2] in ("lags", "ports"):
            out += _lines_at(picture, name, parts[3])
        return out
    if kind == "vms":
        return [host_id(h) for h in _vm_host(lab, name)]
    if kind == "management" and len(parts) >= 3 and parts[1] == "vms":
        return [host_id(h) for h in _vm_host(lab, parts[2])]
    if kind == "clusters" and name in lab.clusters:
        cluster = lab.clusters[name]
        if len(parts) >= 4 and parts[2] == "nodes" and parts[3] in lab.hosts:
            return [host_id(parts[3])]
        return [host_id(n) for n in cluster.nodes if n in lab.hosts]
    if kind == "links" and name.isdigit() and int(name) < len(lab.links):
        cable = lab.links[int(name)]
        return [line.id for line in picture.lines if cable in line.cables]
    if kind == "load_balancers" and name in lab.load_balancers:
        lb = lab.load_balancers[name]
        servers: list[str] = [lb.host] if lb.host else []
        for vs in lb.virtual_services.values():
            servers.extend(vs.real_servers)
        return [host_id(h) for h in _server_hosts(lab, servers)]
    if kind == "web_sites" and name in lab.web_sites:
        return [host_id(h) for h in _server_hosts(lab, lab.web_sites[name].servers)]
    return []


def element_targets(lab: Lab, picture: L2Picture, element: str) -> list[str]:
    """Return the ids of drawn objects an element name (``lag:tor1:Po1``) or sim object names."""
    kind, sep, rest = element.partition(":")
    if not sep:
        return object_targets(lab, picture, element)
    if kind == "switch" and rest in lab.switches:
        return [switch_id(rest)]
    if kind in ("node", "host") and rest in lab.hosts:
        return [host_id(rest)]
    if kind == "vm":
        return [host_id(h) for h in _vm_host(lab, rest)]
    if kind in ("lag", "port", "nic", "team"):
        node, _, name = rest.partition(":")
        if kind == "team" and node in lab.hosts and name in lab.hosts[node].teams:
            out: list[str] = []
            for member in lab.hosts[node].teams[name].members:
                out += _lines_at(picture, node, member)
            return [*out, host_id(node)]
        return _lines_at(picture, node, name)
    if kind == "link":
        for line in picture.lines:
            if any(c.element == element for c in line.cables) or line.element == element:
                return [line.id]
        left, _, right = rest.partition("~")
        for line in picture.lines:
            if any({left, right} == set(c.endpoints) for c in line.cables):
                return [line.id]
    return []


def findings_section(lab: Lab, picture: L2Picture) -> dict[str, Any]:
    """Return the findings of ``hvlab check`` with the ids of the objects they point at."""
    try:
        from hvlab.rules.engine import check_lab

        result = check_lab(lab)
    except Exception as exc:  # a failing rule must not sink the report
        return _unavailable(exc)
    rows = []
    badges: dict[str, list[str]] = {}
    for f in result.findings:
        targets = object_targets(lab, picture, f.object)
        for t in targets:
            badges.setdefault(t, []).append(f.severity)
        rows.append(
            {
                "rule": f.rule,
                "severity": f.severity,
                "object": f.object,
                "message": f.message,
                "fix": f.fix,
                "where": f"{f.file}:{f.line}:{f.col}" if f.file else "",
                "targets": targets,
            }
        )
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in SEVERITY_ORDER}
    return {
        "available": True,
        "rows": rows,
        "counts": counts,
        "skipped": [{"rule": r, "why": w} for r, w in result.skipped],
        "rules_run": result.rules_run,
        "badges": {
            t: [min(sevs, key=SEVERITY_ORDER.index), len(sevs)] for t, sevs in badges.items()
        },
    }


def _team_names(lab: Lab) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for host in lab.hosts.values():
        out += [(host.name, t) for t in host.teams]
        out += [(host.name, v.name) for v in host.vswitches.values() if v.members]
    return out


def _member_element(lab: Lab, host: str, member: str) -> str:
    if member in lab.hosts[host].nics:
        return f"nic:{host}:{member}"
    return f"team:{host}:{member}"


def _one_team(
    lab: Lab, host: str, name: str, condition: Condition, flows: int, seed: int
) -> dict[str, Any]:
    from hvlab.teaming.distribute import comparable_algorithms, distribute
    from hvlab.teaming.failover import failover
    from hvlab.teaming.flows import team_flows
    from hvlab.teaming.modes import resolve_team

    spec = resolve_team(lab, host, name, condition)
    batch = team_flows(lab, spec, flows, seed)
    algorithms = []
    used: set[str] = set()
    configured = None
    for algorithm in comparable_algorithms(spec):
        d = distribute(lab, host, name, batch, condition, algorithm)
        used.update(a.key for a in d.assumptions)
        row = {
            "name": algorithm,
            "configured": algorithm == spec.algorithm,
            "status": d.status,
            "imbalance": f"{float(d.imbalance):.2f}",
            "members": [
                {
                    "name": m.name,
                    "state": m.state,
                    "share": round(float(m.share), 4),
                    "inbound_share": round(float(m.inbound_share), 4),
                    "bytes": m.bytes,
                }
                for m in d.members
            ],
        }
        if algorithm == spec.algorithm:
            configured = d
        algorithms.append(row)
    algorithms.sort(key=lambda r: (not r["configured"],))
    out: dict[str, Any] = {
        "available": True,
        "host": host,
        "team": name,
        "kind": spec.kind,
        "mode": spec.mode,
        "algorithm": spec.algorithm,
        "algorithm_origin": spec.algorithm_origin,
        "members": [
            {
                "name": m,
                "speed": format_speed(lab.hosts[host].nics[m].speed)
                if m in lab.hosts[host].nics
                else "team",
            }
            for m in spec.members
        ],
        "status": configured.status if configured is not None else "",
        "algorithms": algorithms,
        "flows": flows,
        "seed": seed,
    }
    # failover: the first member that carries traffic fails
    try:
        carrying = [
            m.name for m in (configured.members if configured is not None else ()) if m.flows
        ] or list(spec.members)
        victim = carrying[0]
        after = condition.with_failed(lab, _member_element(lab, host, victim))
        fo = failover(lab, host, name, after, before=condition, flows=batch)
        out["failover"] = {
            "available": True,
            "member": victim,
            "outage_ms": fo.outage_ms,
            "outage": format_duration(fo.outage_ms),
            "before": fo.before.status,
            "after": fo.after.status,
            "moves": [
                {"source": m.source, "target": m.target, "flows": m.flows, "bytes": m.bytes}
                for m in fo.moves
                if m.flows
            ],
            "timeline": [
                {"t_ms": t, "event": event, "object": obj} for t, event, obj in fo.timeline
            ],
            "after_members": [
                {"name": m.name, "state": m.state, "share": round(float(m.share), 4)}
                for m in fo.after.members
            ],
        }
        used.update(a.key for a in fo.after.assumptions)
    except Exception as exc:
        out["failover"] = _unavailable(exc)
    out["assumptions"] = sorted(used)
    return out


def teams_section(
    lab: Lab, condition: Condition, *, flows: int = 4000, seed: int = 1, max_teams: int = 48
) -> dict[str, Any]:
    """Return per team (LBFO team or SET switch): load per member for each algorithm, failover.

    Parameters
    ----------
    lab, condition
        The lab and what is down.
    flows, seed
        The flow batch every algorithm of a team places (the same flows for each).
    max_teams
        Teams beyond this many are listed by name only (``hvlab team`` shows them).
    """
    names = _team_names(lab)
    teams = []
    for host, name in names[:max_teams]:
        try:
            teams.append(_one_team(lab, host, name, condition, flows, seed))
        except Exception as exc:
            teams.append({**_unavailable(exc), "host": host, "team": name})
    return {
        "available": True,
        "teams": teams,
        "omitted": [f"{h}/{t}" for h, t in names[max_teams:]],
        "flows": flows,
        "seed": seed,
    }


def _place(result: Any, obj: str, total: int, first_step: int) -> list[tuple[int, int]]:
    """Return one interval of length ``total`` placed from the object's first timeline entry.

    The start is the object's first timeline entry (else the first scenario step), moved
    earlier when needed so the interval fits in the run.
    """
    if total <= 0:
        return []
    duration = int(result.duration_ms)
    times = [e.t_ms for e in result.timeline if e.object == obj]
    start = min(min(times, default=first_step), first_step) if times else first_step
    start = max(0, min(start, duration - total))
    return [(start, min(duration, start + total))]


def _intervals(
    result: Any, impact: Any, first_step: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], bool]:
    """Return the down and degraded intervals of an impact row and whether they are exact.

    A result that records intervals (``impact.intervals`` / ``impact.degraded_intervals``)
    gives them exactly; otherwise each total is placed as one interval starting at the
    earlier of the first scenario step and the object's first timeline entry: its length
    is exact, its start inferred (as the text Gantt of ``hvlab simulate`` does).
    """
    exact = getattr(impact, "intervals", None)
    # A row that records no spans but has downtime (a file copy's pause) is placed.
    if exact is not None and (exact or not impact.downtime_ms):
        degraded = getattr(impact, "degraded_intervals", None) or []
        return (
            [(int(a), int(b)) for a, b in exact],
            [(int(a), int(b)) for a, b in degraded],
            True,
        )
    down = _place(result, impact.object, int(impact.downtime_ms), first_step)
    degraded = _place(result, impact.object, int(impact.degraded_ms), first_step)
    return down, degraded, False


def _gantt(result: Any, lab: Lab, picture: L2Picture, max_rows: int = 40) -> dict[str, Any]:
    """Return the rows of a scenario's Gantt chart: step markers, events and down bars."""
    duration = max(1, int(result.duration_ms))
    events = list(result.timeline)
    last_event = max((e.t_ms for e in events), default=0)
    horizon = min(duration, max(int(last_event * 1.25) + 1000, 10_000))
    rows: dict[str, dict[str, Any]] = {}

    def row(obj: str) -> dict[str, Any]:
        if obj not in rows:
            rows[obj] = {
                "object": obj,
                "events": [],
                "bars": [],
                "exact": True,
                "targets": element_targets(lab, picture, obj),
            }
        return rows[obj]

    for e in events:
        row(e.object)["events"].append({"t": e.t_ms, "text": e.event, "why": e.why})
    first_step = min((e.t_ms for e in events), default=0)
    for impact in result.impact:
        spans, degraded, exact = _intervals(result, impact, first_step)
        if not spans and not degraded:
            continue
        r = row(impact.object)
        r["bars"] = [{"from": a, "to": b, "kind": "down"} for a, b in spans] + [
            {"from": a, "to": b, "kind": "degraded"} for a, b in degraded
        ]
        r["exact"] = exact
        r["downtime"] = format_duration(int(impact.downtime_ms))
        r["degraded"] = format_duration(int(impact.degraded_ms))
    ordered = list(rows.values())
    return {
        "duration_ms": duration,
        "horizon_ms": horizon,
        "rows": ordered[:max_rows],
        "omitted": max(0, len(ordered) - max_rows),
    }


def scenarios_section(
    lab: Lab, picture: L2Picture, names: Sequence[str] | None = None, seed: int = 0
) -> dict[str, Any]:
    """Return, per scenario, the simulation's timeline, impact and Gantt rows."""
    chosen = list(names) if names is not None else list(lab.scenarios)
    out = []
    used: set[str] = set()
    for name in chosen:
        scenario = lab.scenarios.get(name)
        entry: dict[str, Any] = {
            "name": name,
            "description": scenario.description if scenario is not None else "",
        }
        try:
            from hvlab.sim.engine import simulate

            result = simulate(lab, name, seed=seed)
        except Exception as exc:  # the simulator is still growing: one section says so
            entry.update(_unavailable(exc))
            out.append(entry)
            continue
        assumptions = [dict(a) for a in result.assumptions]
        used.update(str(a.get("key")) for a in assumptions)
        entry.update(
            {
                "available": True,
                "seed": seed,
                "duration": format_duration(int(result.duration_ms)),
                "timeline": [
                    {
                        "t_ms": e.t_ms,
                        "t": f"{e.t_ms / 1000:.3f}",
                        "event": e.event,
                        "object": e.object,
                        "why": e.why,
                        "targets": element_targets(lab, picture, e.object),
                    }
                    for e in result.timeline
                ],
                "impact": [
                    {
                        "object": i.object,
                        "downtime": format_duration(int(i.downtime_ms)),
                        "downtime_ms": int(i.downtime_ms),
                        "degraded": format_duration(int(i.degraded_ms)),
                        "data_loss": format_duration(int(i.data_loss_ms)),
                        "state": i.state,
                        "where": i.where,
                        "targets": element_targets(lab, picture, i.object),
                    }
                    for i in result.impact
                ],
                "gantt": _gantt(result, lab, picture),
                "replication": [
                    {
                        "vm": r.vm,
                        "frequency": format_duration(r.frequency_ms),
                        "start": format_duration(r.rpo[0][1]) if r.rpo else "-",
                        "worst": format_duration(r.worst_rpo_ms),
                        "end": format_duration(r.rpo[-1][1]) if r.rpo else "-",
                        "failed_over": r.failed_over,
                        "behind": r.worst_rpo_ms > 2 * r.frequency_ms,
                    }
                    for r in getattr(result, "replication", ())
                ],
                "assumptions": assumptions,
            }
        )
        out.append(entry)
    return {"available": True, "scenarios": out, "used": sorted(used)}


def _value(value: object, unit: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if unit == "bytes" and isinstance(value, int):
        return format_bytes(value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return f"{value} {unit}" if unit not in ("enum", "bool", "count", "ratio") else str(value)


def defaults_section(
    lab: Lab, used: Mapping[str, Sequence[str]], notes: Sequence[str]
) -> dict[str, Any]:
    """Return every modelled default with the value in force for ``lab`` and who used it.

    Parameters
    ----------
    lab
        The lab (its ``timers:`` overrides).
    used
        Setting key → the parts of this report that read it (``scenario isl-fails``,
        ``team node1/VMTeam``).
    notes
        Assumptions applied outside the table (derived bridge MACs, MLAG as one bridge,
        the report's own choices).
    """
    try:
        from hvlab.settings import setting

        rows = []
        for key, d in DEFAULTS.items():
            try:
                value = setting(lab, key)
            except Exception:
                value = d.value
            rows.append(
                {
                    "key": key,
                    "value": _value(value, d.unit),
                    "default": _value(d.value, d.unit),
                    "overridden": key in lab.timers,
                    "assumption": d.assumption,
                    "applies_to": d.applies_to,
                    "source": d.source,
                    "note": d.note,
                    "used_by": list(used.get(key, ())),
                    "id": "default-" + css_id(key),
                }
            )
    except Exception as exc:
        return {**_unavailable(exc), "notes": list(notes)}
    return {
        "available": True,
        "rows": rows,
        "notes": list(notes),
        "counts": {
            "defaults": len(rows),
            "assumptions": sum(1 for r in rows if r["assumption"]),
            "overridden": sum(1 for r in rows if r["overridden"]),
            "used": sum(1 for r in rows if r["used_by"]),
        },
    }
