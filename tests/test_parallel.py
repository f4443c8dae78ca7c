"""Executors and progress: the plan is the same serial, on threads, on processes and on a
Dask cluster; progress bars only when asked for."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import matching
from matching import _pipeline
from matching._parallel import map_chunks, map_ordered

from .helpers import load_benchmark, without_timing


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("instance")
    generate = load_benchmark("generate")
    return generate.write(generate.generate(500, 150, seed=11), out)


@pytest.fixture(scope="module")
def serial(files):
    return without_timing(matching.match(*files))


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(_pipeline, "NORMALISE_CHUNK", 97)


def test_threads_give_the_serial_plan(files, serial, small_chunks):
    with ThreadPoolExecutor(3) as pool:
        assert without_timing(matching.match(*files, executor=pool)) == serial


def test_processes_give_the_serial_plan(files, serial, small_chunks):
    with ProcessPoolExecutor(2) as pool:
        prepared = matching.prepare(*files, executor=pool)
        assert without_timing(prepared.solve(executor=pool)) == serial


def test_dask_cluster_gives_the_serial_plan(files, serial, small_chunks):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert without_timing(matching.match(*files, executor=client.get_executor())) == serial


def test_executor_must_submit(files):
    with pytest.raises(TypeError, match=r"The 'executor' parameter must be a "
                                        r"concurrent\.futures\.Executor"):
        matching.prepare(*files, executor="threads")


def test_map_helpers_keep_order_and_count():
    done = []
    with ThreadPoolExecutor(4) as pool:
        got = map_chunks(lambda xs: [x * x for x in xs], list(range(23)), executor=pool,
                         chunk_size=5, advance=done.append)
        assert got == [x * x for x in range(23)]
        assert done == [5, 5, 5, 5, 3]
        assert map_ordered(str, [3, 1, 2], executor=pool) == ["3", "1", "2"]
    assert map_chunks(list, [], executor=None, chunk_size=5) == []


def test_progress_off_by_default_on_when_asked(capsys):
    pytest.importorskip("tqdm")
    matching.match(matching.demo_supply(), matching.demo_demand())
    assert capsys.readouterr().err == ""
    matching.match(matching.demo_supply(), matching.demo_demand(), progress=True)
    err = capsys.readouterr().err
    for name in ("parse", "normalise", "candidates", "solve"):
        assert name in err


def test_cli_progress_flag(capsys, tmp_path):
    pytest.importorskip("tqdm")
    from matching._cli import main

    assert main(["demo", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["demo", "--progress"]) == 0
    assert "normalise" in capsys.readouterr().err


def test_solver_backends_give_the_same_objective(files):
    pytest.importorskip("ortools")
    plans = {name: matching.match(*files, config={"solver": name})
             for name in ("highs", "ortools")}
    assert plans["highs"].summary.status == plans["ortools"].summary.status == "optimal"
    assert plans["ortools"].summary.objective == pytest.approx(plans["highs"].summary.objective,
                                                               rel=1e-6)
    assert plans["ortools"].summary.allocated_kg > 0
