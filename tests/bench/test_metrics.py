"""The benchmark harness's bookkeeping (bench/metrics.py); never a timing (those live in make bench)."""

from __future__ import annotations

import json

from bench.metrics import RESERVED, Cleanup, Metric, interleaved, table, unmeasured_reserved


def test_a_reserved_name_not_measured_is_listed_and_neither_passes_nor_fails():
    rows = unmeasured_reserved([])
    assert [r.name for r in rows] == [r.name for r in RESERVED]
    assert {r.name for r in rows} >= {
        "api.plan_detail_overhead",
        "trends.dashboard_3000",
        "sharing.registry_150k",
        "region.report_43x12",
        "jobs.nightly_43x3000",
    }
    for row in rows:
        assert row.value is None and row.passed is None and "not yet measured (issue" in row.note
        assert json.loads(json.dumps(row.as_json()))["pass"] is None
    printed = table(rows)
    assert "not yet measured" in printed and "FAIL" not in printed


def test_a_reserved_name_a_topic_measures_is_not_listed_again():
    measured = Metric("trends.dashboard_3000", 0.4, "s", target="< 1", target_on="value")
    assert measured.passed is True
    assert "trends.dashboard_3000" not in {r.name for r in unmeasured_reserved([measured])}


def test_work_returned_as_cleanup_runs_after_the_clock_stops():
    done: list[str] = []

    def build() -> Cleanup:
        done.append("built")
        return Cleanup(lambda: done.append("dropped"))

    (median,) = interleaved(2, build, warmup=0)
    assert done == ["built", "dropped", "built", "dropped"]
    assert median >= 0


def test_a_reserved_ratio_target_is_shown_as_a_ratio_target():
    (row,) = [r for r in unmeasured_reserved([]) if r.name == "api.plan_detail_overhead"]
    assert (row.target_on, row.target) == ("ratio", "<= 1.5")
