"""``hvlab sweep`` on the command line: formats, --top, --kinds, and user errors (exit 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hvlab.commands import sweep
from tests.sweep import EXAMPLES, TINY

LAB = str(EXAMPLES / "ten-gig-cluster.yaml")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """hvlab (test)."""

    sweep.register(app)
    return app


def run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, ["sweep", *args])


def as_json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = run(app, *args, "--format", "json", "--workers", "1")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_document(app: typer.Typer) -> None:
    doc = as_json(app, LAB, "--top", "3")
    assert doc["lab"] == "ten-gig-cluster"
    assert doc["depth"] == 1
    assert doc["kinds"] == ["link", "nic", "lag", "switch", "node", "csv", "rack"]
    assert [r["elements"] for r in doc["ranking"]] == [
        ["csv:clu1:Volume1"],
        ["csv:clu1:Volume2"],
        ["rack:R1"],
    ]
    assert doc["ranking_not_listed"] == 42
    assert doc["counts"]["scenarios"]["n-1"] == {"candidates": 77, "simulated": 45, "pruned": 32}
    assert {p["reason"]: p["count"] for p in doc["pruned"]} == {
        "lag-ends": 4,
        "lag-members": 4,
        "same-parts": 24,
    }
    assert all(p["why"] for p in doc["pruned"])
    assert doc["single_points_of_failure"][0]["element"] == "csv:clu1:Volume1"
    assert len(doc["criticality"]) == 77
    assert doc["score"]["fields"][:3] == ["quorum_lost", "data_loss_ms", "vm_downtime_ms"]
    assert doc["ranking"][0]["category"] == "loss"
    rack = doc["ranking"][2]
    assert rack["category"] == "failover"
    assert rack["score"]["vm_downtime_ms"] == 490_000
    assert rack["chain"][0].startswith("rack R1 down")


def test_top_0_lists_everything(app: typer.Typer) -> None:
    doc = as_json(app, LAB, "--top", "0")
    assert len(doc["ranking"]) == 45 and doc["ranking_not_listed"] == 0


def test_kinds_restricts_the_enumeration(app: typer.Typer) -> None:
    doc = as_json(app, LAB, "--kinds", "switch,lag")
    assert doc["kinds"] == ["switch", "lag"]
    elements = [e for r in doc["ranking"] for e in r["elements"]]
    assert elements and all(e.startswith(("switch:", "lag:")) for e in elements)
    assert doc["counts"]["elements"] == 4 + 8


def test_text_output(app: typer.Typer) -> None:
    result = run(app, LAB, "--workers", "1", "--top", "10")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "N-1 sweep of 77 elements" in text
    assert "Single points of failure (14)" in text
    assert "lag:tor1:Po1 (same as lag:tor2:Po1)" in text
    assert "35 more scenarios" in text
    assert "Criticality per kind" in text


def test_fail_on_spof(app: typer.Typer) -> None:
    result = run(app, LAB, "--workers", "1", "--kinds", "switch", "--fail-on-spof", "-f", "json")
    assert result.exit_code == 1
    # Racks fail over (VMs restart on the other rack's nodes): not single points of failure.
    result = run(app, LAB, "--workers", "1", "--kinds", "rack", "--fail-on-spof", "-f", "json")
    assert result.exit_code == 0, result.output


def test_output_file(app: typer.Typer, tmp_path: Path) -> None:
    target = tmp_path / "sweep.json"
    result = run(app, LAB, "--workers", "1", "--kinds", "lag", "-f", "json", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["kinds"] == ["lag"]
    text = tmp_path / "sweep.txt"
    result = run(app, LAB, "--workers", "1", "--kinds", "lag", "-o", str(text))
    assert result.exit_code == 0, result.output
    assert "Single points of failure" in text.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kinds", "swich"], "unknown element kind 'swich' (did you mean 'switch'?)"),
        (["--kinds", "link,website"], "a sweep does not fail 'website' elements"),
        (["--depth", "3"], "--depth must be 1 or 2"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "give one or the other"),
        (["--top", "-1"], "--top must be 0 (all) or more"),
        (["--window", "5s"], "--window must be longer"),
        (["--format", "parquet"], "give --output FILE.parquet"),
    ],
)
def test_user_errors_exit_2(app: typer.Typer, args: list[str], message: str) -> None:
    result = run(app, LAB, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_unknown_lab_file_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2


def test_parquet(app: typer.Typer, tmp_path: Path) -> None:
    target = tmp_path / "sweep.parquet"
    lab = tmp_path / "tiny.yaml"
    lab.write_text(TINY)
    result = run(app, str(lab), "--workers", "1", "-f", "parquet", "-o", str(target))
    try:
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        assert result.exit_code == 2
        assert "--format parquet needs pyarrow, which is not installed" in result.output
        assert not target.exists()
        return
    assert result.exit_code == 0, result.output
    table = pq.read_table(target)
    assert table.num_rows == 13
    assert "chain" in table.column_names and "vm_downtime_ms" in table.column_names


def test_scheduler_without_dask(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    lab = tmp_path / "tiny.yaml"
    lab.write_text(TINY)
    result = run(app, str(lab), "--scheduler", "tcp://127.0.0.1:8786")
    assert result.exit_code == 2
    assert "pip install 'hvlab[dask]'" in result.output


def test_a_multi_site_lab_sweeps_wan_links_and_sites_by_default(app: typer.Typer) -> None:
    doc = as_json(app, str(EXAMPLES / "two-site-replica.yaml"), "--top", "0")
    assert doc["kinds"][-2:] == ["wan", "site"]
    ranked = {r["elements"][0]: r for r in doc["ranking"]}
    # Losing HQ stops HQ-CLU (quorum lost); nobody starts a Replica failover in a sweep.
    assert ranked["site:HQ"]["score"]["quorum_lost"] == 1
    # The cloud witness's own links: neither stops anything while the rest is up.
    assert ranked["wan:HQ-Azure"]["category"] == "none"
