"""The HTML report without a browser: ids, engine agreement, links, sections, atomic writes.

Issue 8. The browser checks are in ``test_html_browser.py``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hvlab.condition import Condition
from hvlab.defaults import DEFAULTS
from hvlab.l2.network import analyse
from hvlab.l2.stp import State
from hvlab.report.html import (
    ReportOptions,
    analyse_picture,
    build_report,
    render_drawing,
    render_report,
    write_report,
)
from hvlab.report.html.layout import layout
from hvlab.report.html.netview import host_id, line_id, switch_id
from hvlab.report.html.sections import object_targets
from tests.report import EXAMPLES, ISL_BLOCKED, LABS, MSTP, ROOT, TEN_GIG, lab, lab_id, parse


@functools.cache
def report(path: Path, down: tuple[str, ...] = (), path_: str | None = None) -> str:
    return render_report(lab(path), ReportOptions(down=down, path=path_))


def blocked(view_states: str, lines: list[str]) -> set[str]:
    return {lines[i] for i, s in enumerate(view_states) if s in "ABX"}


def data_blob(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="hvlab-data">(.*?)</script>', html, re.S)
    assert match, "the page embeds its data"
    result: dict[str, object] = json.loads(match.group(1))
    return result


# -- every example ------------------------------------------------------------------------


@pytest.mark.parametrize("path", LABS, ids=lab_id)
def test_report_draws_every_switch_host_and_cable(path: Path) -> None:
    model = lab(path)
    html = report(path)
    ids = parse(html)
    assert len(ids.ids) == len(set(ids.ids)), "element ids are unique"
    for name in model.switches:
        assert switch_id(name) in ids.ids
    for name in model.hosts:
        assert host_id(name) in ids.ids
    picture = analyse_picture(model)
    drawn = {c.element for line in picture.lines for c in line.cables}
    assert drawn == {c.element for c in model.links}, "every cable is in one line"
    for line in picture.lines:
        assert line.id in ids.ids
        assert "link" in ids.classes[line.id].split()
    for section in ("topology", "findings", "teams", "scenarios", "defaults"):
        assert section in ids.ids


@pytest.mark.parametrize("path", LABS, ids=lab_id)
def test_blocked_lines_match_the_engine_in_every_vlan_and_tree(path: Path) -> None:
    """Each view's blocked lines are exactly the links the layer-2 engine does not forward."""
    model = lab(path)
    picture = analyse_picture(model)
    l2 = analyse(model)
    lt = l2.topology
    by_link = {line.stp_link: line.id for line in picture.lines if line.stp_link}
    for view in picture.views:
        kind, _, number = view.key.partition(":")
        expected: set[str] = set()
        for link in lt.topology.links:
            ends = (link.a, link.b)
            if kind == "vlan":
                vlan = int(number)
                if not all(lt.ports[e].vlans.carries(vlan) for e in ends):
                    continue
                results = [l2.stp.vlan_port(e[0], e[1], vlan) for e in ends]
            else:
                try:
                    results = [l2.stp.port(e[0], e[1], int(number)) for e in ends]
                except KeyError:
                    continue
            states = {r.state for r in results}
            if State.DISABLED in states:
                continue
            if states & {State.DISCARDING, State.BLOCKING}:
                expected.add(by_link[link.id])
            if kind == "vlan":  # the facade's own answer agrees
                forwards = all(l2.port_forwards(e, int(number)) for e in ends)
                assert forwards == (by_link[link.id] not in expected)
        got = {picture.lines[i].id for i in view.blocked_lines()}
        assert got == expected, view.key


def test_views_are_every_tree_and_every_vlan() -> None:
    picture = analyse_picture(lab(MSTP))
    assert [v.key for v in picture.views] == [
        "tree:0",
        "tree:1",
        "vlan:10",
        "vlan:20",
        "vlan:30",
        "vlan:40",
        "vlan:100",
    ]
    html = report(MSTP)
    data = data_blob(html)
    assert [v["key"] for v in data["views"]] == [v.key for v in picture.views]  # type: ignore[attr-defined]
    assert data["lines"] == [line.id for line in picture.lines]


# -- the ten-gig cluster ------------------------------------------------------------------


def test_ten_gig_rstp_blocks_tor2_uplink_not_the_isl() -> None:
    picture = analyse_picture(lab(TEN_GIG))
    ids = [line.id for line in picture.lines]
    for view in picture.views:
        assert blocked(view.states, ids) == {"link-core2-Po2-tor2-Po2"}, view.key
    isl = picture.line("link-tor1-Po1-tor2-Po1")
    assert isl.kind == "isl" and isl.lag and isl.label == "2×10G"
    assert isl.element == "lag:tor1:Po1"
    assert picture.line("link-core1-Po2-tor1-Po2").label == "2×1G"


def test_ten_gig_isl_blocked_and_live_migration_over_the_core_in_one_picture() -> None:
    """One uplink member down: tor2 blocks the ISL; node1 → node3 live migration takes the core."""
    html = report(TEN_GIG, ISL_BLOCKED, "clu1:LiveMigration:node1:node3")
    ids = parse(html)
    isl = "link-tor1-Po1-tor2-Po1"
    assert "s-B" in ids.classes[isl].split(), "tor2's end (b) of the ISL is blocked"
    core_path = [
        "link-node1-LM-tor1-5",
        "link-core1-Po2-tor1-Po2",
        "link-core1-Po1-core2-Po1",
        "link-core2-Po2-tor2-Po2",
        "link-node3-LM-tor2-7",
    ]
    for line in core_path:
        assert "on-path" in ids.classes[line].split(), line
    assert "on-path" not in ids.classes[isl].split()
    for node in ("sw-core1", "sw-core2", "host-node1", "host-node3"):
        assert "on-path" in ids.classes[node].split()
    data = data_blob(html)
    path = data["paths"]["clu1|LiveMigration|node1|node3"]  # type: ignore[index]
    assert path["vlan"] == 40
    assert [data["lines"][i] for i in path["lines"]] == core_path  # type: ignore[index]
    assert "bottleneck 1G" in path["text"]
    assert data["initialView"] == "vlan:40"
    # and the engine agrees: the ISL is tor2's alternate port
    l2 = analyse(lab(TEN_GIG), Condition.from_elements(lab(TEN_GIG), ISL_BLOCKED))
    assert l2.stp.port("tor2", "Po1").state == State.DISCARDING


def test_ten_gig_isl_down_live_migration_over_the_core() -> None:
    model = lab(TEN_GIG)
    picture = analyse_picture(model, Condition.from_elements(model, ["lag:tor1:Po1"]))
    isl = [line.id for line in picture.lines].index("link-tor1-Po1-tor2-Po1")
    assert picture.views[0].states[isl] == "D"
    context = build_report(
        model,
        ReportOptions(down=("lag:tor1:Po1",), path="clu1:LiveMigration:node1:node3"),
    )
    path = context["initial_path"]
    lines = [picture.lines[i].id for i in path["lines"]]
    assert "link-core1-Po1-core2-Po1" in lines and "link-tor1-Po1-tor2-Po1" not in lines
    assert path["switches"] == ["core1", "core2", "tor1", "tor2"]


def test_every_cluster_pair_has_a_path_entry() -> None:
    data = data_blob(report(TEN_GIG))
    paths = data["paths"]
    assert isinstance(paths, dict)
    # 4 networks x 6 node pairs
    assert len(paths) == 24
    for entry in paths.values():
        assert entry.get("none") or entry["lines"], entry


def test_mstp_vlan_views_differ() -> None:
    picture = analyse_picture(lab(MSTP))
    ids = [line.id for line in picture.lines]
    uplink = "link-core2-Po2-tor2-Po2"
    assert blocked(picture.view("vlan:10").states, ids) == {uplink}
    assert blocked(picture.view("vlan:30").states, ids) == set()
    assert picture.view("vlan:30").states[ids.index(uplink)] == "N", "VLAN 30 is not on Po2"
    assert picture.view("tree:1").roots == ("tor1",)
    assert picture.view("tree:0").roots == ("core1",)


# -- findings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [EXAMPLES / "integration-services" / "lab.yaml", EXAMPLES / "vmm-drift" / "lab.yaml"]
)
def test_findings_link_to_drawn_objects(path: Path) -> None:
    html = report(path)
    ids = parse(html)
    context = build_report(lab(path))
    rows = context["findings"]["rows"]
    assert rows, "this example has findings"
    linked = [r for r in rows if r["targets"]]
    assert linked, "findings point at drawn objects"
    for row in linked:
        for target in row["targets"]:
            assert target in ids.ids, (row["object"], target)
    assert set(ids.targets) <= set(ids.ids), "every link of the page has a target"


def test_object_paths_map_to_ids() -> None:
    model = lab(TEN_GIG)
    picture = analyse_picture(model)
    assert object_targets(model, picture, "hosts.node1.antivirus") == ["host-node1"]
    assert object_targets(model, picture, "switches.tor1.lags.Po1") == [
        "sw-tor1",
        "link-tor1-Po1-tor2-Po1",
    ]
    assert object_targets(model, picture, "vms.SQL1.memory") == ["host-node1"]
    assert object_targets(model, picture, "clusters.clu1.networks.CSV") == [
        "host-node1",
        "host-node2",
        "host-node3",
        "host-node4",
    ]
    assert object_targets(model, picture, "links.0") == ["link-core1-Po1-core2-Po1"]
    assert object_targets(model, picture, "nothing.here") == []


# -- sections ---------------------------------------------------------------------------------


def test_two_site_report_shows_the_wan_link_and_the_replicas_rpo() -> None:
    html = report(EXAMPLES / "two-site-replica.yaml")
    assert "Hyper-V Replica: effective RPO over the run" in html
    context = build_report(lab(EXAMPLES / "two-site-replica.yaml"))
    behind = next(
        s for s in context["scenarios"]["scenarios"] if s["name"] == "replica-falls-behind"
    )
    rows = {r["vm"]: r for r in behind["replication"]}
    assert rows["LOG1"]["behind"] and rows["LOG1"]["failed_over"]
    assert not rows["WEB1"]["failed_over"]


def test_sections_of_the_ten_gig_cluster() -> None:
    context = build_report(lab(TEN_GIG))
    teams = context["teams"]["teams"]
    assert [f"{t['host']}/{t['team']}" for t in teams][:2] == ["node1/VMTeam", "node1/MgmtTeam"]
    for team in teams:
        assert team["available"], team
        configured = [a for a in team["algorithms"] if a["configured"]]
        assert len(configured) == 1 and team["algorithms"][0] is configured[0]
        assert len(team["algorithms"]) >= 5, "every comparable algorithm"
        for algorithm in team["algorithms"]:
            total = sum(m["share"] for m in algorithm["members"])
            assert total == pytest.approx(1.0, abs=1e-3)
        assert team["failover"]["available"]
        assert team["failover"]["after"] == "Degraded"
    scenarios = context["scenarios"]["scenarios"]
    assert [s["name"] for s in scenarios] == list(lab(TEN_GIG).scenarios)
    for s in scenarios:
        assert s["available"], s
        assert s["timeline"] and s["gantt"]["rows"]
        assert str(s["gantt_svg"]).startswith("<svg")
    defaults = context["defaults"]
    assert defaults["available"]
    assert [r["key"] for r in defaults["rows"]] == list(DEFAULTS)
    assert any(r["used_by"] for r in defaults["rows"]), "the report says which settings it used"
    assert any("flows per team" in n for n in defaults["notes"])


def test_one_scenario_only() -> None:
    context = build_report(lab(TEN_GIG), ReportOptions(scenarios=("tor2-fails",)))
    assert [s["name"] for s in context["scenarios"]["scenarios"]] == ["tor2-fails"]


def test_a_failing_engine_makes_its_section_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import hvlab.sim.engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulator exploded")

    monkeypatch.setattr(hvlab.sim.engine, "simulate", broken)
    html = render_report(lab(TEN_GIG), ReportOptions(scenarios=("isl-fails",)))
    assert "Not available: RuntimeError: simulator exploded" in html
    assert "link-tor1-Po1-tor2-Po1" in html, "the rest of the report is there"


def test_page_is_self_contained() -> None:
    html = report(TEN_GIG)
    ids = parse(html)
    for tag, attrs in ids.tags:
        for attr in ("src", "href"):
            value = attrs.get(attr) or ""
            assert not value.startswith(("http:", "https:", "//")), (tag, value)
        assert not (tag == "script" and attrs.get("src")), "no external script"
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), "no external CSS"
    assert "@import" not in html
    blob = html.split('id="hvlab-data">', 1)[1].split("</script>", 1)[0]
    assert "<!--" not in blob and "</" not in blob


def test_report_is_deterministic_across_processes(tmp_path: Path) -> None:
    """Same lab, same bytes, whatever the hash seed of the process."""
    code = (
        "import sys; from hvlab.model.load import load_lab; "
        "from hvlab.report.html import ReportOptions, render_report; "
        "sys.stdout.write(render_report(load_lab(sys.argv[1]), "
        "ReportOptions(down=('link:core1:1~tor1:45',))))"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(TEN_GIG)],
            capture_output=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].decode().startswith("<!DOCTYPE html>")
    again = render_report(lab(TEN_GIG), ReportOptions(down=ISL_BLOCKED))
    assert again == report(TEN_GIG, ISL_BLOCKED), "and twice in one process"


# -- layout ----------------------------------------------------------------------------------


def test_layout_tiers_core_access_hosts() -> None:
    model = lab(TEN_GIG)
    geometry = layout(model, analyse_picture(model).lines)
    boxes = geometry.boxes
    assert boxes["core1"].y == boxes["core2"].y < boxes["tor1"].y == boxes["tor2"].y
    assert all(boxes[h].y > boxes["tor1"].y for h in model.hosts)
    assert [name for name, _ in geometry.tiers] == ["core", "access", "hosts"]
    # core1 above tor1 and core2 above tor2: the uplinks do not cross
    assert boxes["core1"].x < boxes["core2"].x and boxes["tor1"].x < boxes["tor2"].x


def test_stack_members_are_drawn_side_by_side() -> None:
    model = lab(EXAMPLES / "ten-gig-cluster-star.yaml")
    geometry = layout(model, analyse_picture(model).lines)
    assert [s[0] for s in geometry.stacks] == ["core"]
    c1, c2 = geometry.boxes["core1"], geometry.boxes["core2"]
    assert c1.y == c2.y and abs(c1.x - c2.x) < 300


def test_line_ids_are_safe() -> None:
    assert line_id("acc1", "Gi1/0/1", "hv1", "NIC 1") == "link-acc1-Gi1_0_1-hv1-NIC_1"


# -- atomic writes and the command line ------------------------------------------------------


def test_atomic_write_leaves_nothing_when_rendering_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hvlab.report.html.page as page

    target = tmp_path / "report.html"
    write_report(lab(TEN_GIG), target, ReportOptions(scenarios=("tor2-fails",)))
    before = target.read_bytes()

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr(page, "_asset", broken)
    with pytest.raises(RuntimeError, match="template exploded"):
        write_report(lab(TEN_GIG), target)
    with pytest.raises(RuntimeError, match="template exploded"):
        write_report(lab(TEN_GIG), tmp_path / "new.html")
    assert target.read_bytes() == before, "the old report is untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"], "no partial file"


def _app() -> typer.Typer:
    from hvlab.commands.report import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """hvlab."""

    register(app)
    return app


def test_cli_report_and_draw(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(
        _app(),
        [
            "report",
            str(TEN_GIG),
            "-o",
            str(out),
            "--scenario",
            "isl-fails",
            "--down",
            ISL_BLOCKED[0],
            "--path",
            "LiveMigration:node1:node3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    svg = tmp_path / "t.svg"
    result = runner.invoke(_app(), ["draw", str(MSTP), "--vlan", "10", "-o", str(svg)])
    assert result.exit_code == 0, result.output
    text = svg.read_text()
    assert text.startswith("<?xml") and 'data-view="vlan:10"' in text
    assert text == render_drawing(lab(MSTP), view="vlan:10")
    result = runner.invoke(_app(), ["draw", str(MSTP), "--instance", "1", "-o", "-"])
    assert result.exit_code == 0 and 'data-view="tree:1"' in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draw", str(TEN_GIG), "-o", "x.txt"], "must end in .svg or .png"),
        (["draw", str(TEN_GIG), "-o", "x.svg", "--down", "lag:tor9:Po1"], "did you mean 'tor2'"),
        (["draw", str(TEN_GIG), "-o", "x.svg", "--vlan", "77"], "no view 'vlan:77'"),
        (["draw", str(TEN_GIG), "-o", "x.svg", "--vlan", "10", "--instance", "0"], "not both"),
        (["report", str(TEN_GIG), "-o", "x.html", "--scenario", "nope"], "no scenario 'nope'"),
        (["report", str(TEN_GIG), "-o", "x.html", "--path", "clu1:LM:node1:node3"], "no network"),
    ],
)
def test_cli_user_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not list(tmp_path.iterdir()), "nothing written"


def test_cli_draw_png(tmp_path: Path) -> None:
    pytest.importorskip("resvg_py", reason="PNG output needs the resvg-py package")
    out = tmp_path / "t.png"
    result = CliRunner().invoke(_app(), ["draw", str(TEN_GIG), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
