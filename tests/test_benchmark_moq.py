"""benchmarks/moq.py stays runnable: every section on small sizes."""

from .helpers import load_benchmark

bench = load_benchmark("moq")


def test_every_section_runs_on_small_sizes():
    national = bench.section_national(400, 120, time_limit=20.0)
    assert national.count("\n| ") == 5 and "| repair only |" in national
    repair = bench.section_repair(20.0, 60, 30)
    assert "| 60 x 30, 2%, scarce |" in repair
    prune = bench.section_prune(400, 120, time_limit=20.0, ks=(5,))
    assert "| all |" in prune and "| 5 |" in prune
    branch = bench.section_branch([(400, 120)], time_limit=20.0, synthetic=(60, 30),
                                  synthetic_seeds=1)
    assert "| 400 x 120 generated (seed 1) |" in branch and "| 60 x 30, 2%, scarce (seed 1) |" \
        in branch
    warm = bench.section_warm(600, 200)
    assert "HiGHS, warm from the first optimal basis" in warm


def test_variants_leave_the_solver_as_it_was():
    before = bench._solve.MOQ_MILP_MAX_PAIRS, bench._solve.MOQ_MILP_LARGE_PAIRS
    with bench._limits(0, 0):
        assert bench._solve.MOQ_MILP_MAX_PAIRS == 0
    assert before == (bench._solve.MOQ_MILP_MAX_PAIRS, bench._solve.MOQ_MILP_LARGE_PAIRS)
