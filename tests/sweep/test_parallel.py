"""The same sweep in this process, on a local process pool and on a Dask cluster: same bytes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hvlab.errors import UserError
from hvlab.report.jsonout import to_json
from hvlab.sweep import sweep
from hvlab.sweep.worker import SweepJob, chunks
from tests.sweep import example, tiny


def test_chunks_are_contiguous_and_cover_everything() -> None:
    items = [(f"e{i}",) for i in range(100)]
    parts = chunks(items, 2)
    assert [x for part in parts for x in part] == items
    assert max(len(p) for p in parts) <= 16
    assert chunks([], 4) == []


def test_job_key_depends_on_lab_and_settings() -> None:
    lab = tiny()
    assert SweepJob.of(lab).key == SweepJob.of(tiny()).key
    assert SweepJob.of(lab, seed=1).key != SweepJob.of(lab).key
    assert SweepJob.of(lab).key != SweepJob.of(example("ten-gig-cluster")).key


def test_process_pool_gives_the_same_json_as_one_process() -> None:
    lab = example("ten-gig-cluster")
    here = to_json(sweep(lab, workers=1).as_dict())
    pooled = to_json(sweep(lab, workers=2).as_dict())
    assert pooled == here


def test_progress_reports_every_scenario() -> None:
    seen: list[tuple[int, int]] = []
    result = sweep(tiny(), workers=1, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 13)
    assert seen[-1] == (13, 13)
    assert len(result.ranking) == 13


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed", reason="hvlab[dask] is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.slow
@pytest.mark.parametrize("depth", [1, 2])
def test_dask_gives_the_same_json_as_a_local_run(dask_client: Any, depth: int) -> None:
    lab = example("ten-gig-cluster") if depth == 1 else tiny()
    local = to_json(sweep(lab, depth=depth, seed=3, workers=2).as_dict())
    seen: list[int] = []
    on_dask = to_json(
        sweep(
            lab,
            depth=depth,
            seed=3,
            scheduler=dask_client,
            progress=lambda done, total: seen.append(done),
        ).as_dict()
    )
    assert on_dask == local
    assert seen[-1] == len(sweep(lab, depth=depth, seed=3, workers=1).ranking)


@pytest.mark.slow
def test_dask_by_scheduler_address(dask_client: Any) -> None:
    lab = tiny()
    address = dask_client.scheduler.address
    assert to_json(sweep(lab, scheduler=address).as_dict()) == to_json(
        sweep(lab, workers=1).as_dict()
    )


@pytest.mark.slow
def test_unreachable_scheduler_is_a_user_error() -> None:
    pytest.importorskip("distributed", reason="hvlab[dask] is not installed")
    from hvlab.sweep.dask import run_dask

    job = SweepJob.of(tiny())
    with pytest.raises(UserError, match="cannot connect to Dask"):
        run_dask(job, [("switch:sw1",)], scheduler="tcp://127.0.0.1:9", timeout="2s")
