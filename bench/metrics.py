"""What every benchmark topic returns, and the helpers that keep figures honest on a noisy machine.

Each ``bench/<topic>.py`` exposes ``run(ctx: Context) -> list[Metric]``. A metric carries its
absolute value and, where it has one, the baseline measured in the same run (interleaved rounds,
medians) and the ratio to it; ``target`` is a comparison such as ``"<= 1.5"`` applied to the ratio
when there is one and to the value otherwise (``target_on`` says which).
"""

from __future__ import annotations

import operator
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass
class Metric:
    name: str
    value: float | None  # None: a reserved name not measured yet (``RESERVED``)
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str | None = None
    target_on: str = "ratio"  # "ratio" or "value"
    note: str = ""
    passed: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline and self.value is not None:
            self.ratio = self.value / self.baseline
        if self.target_on == "ratio" and self.ratio is None and self.value is not None:
            self.target_on = "value"
        self.passed = self.check()

    def check(self) -> bool | None:
        if not self.target or self.value is None:
            return None
        op, _, limit = self.target.partition(" ")
        subject = self.ratio if self.target_on == "ratio" else self.value
        assert subject is not None
        return _OPS[op](subject, float(limit))

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["pass"] = data.pop("passed")
        for key in ("value", "baseline", "ratio"):
            if isinstance(data[key], float):
                data[key] = round(data[key], 6)
        return data


@dataclass(frozen=True)
class Reserved:
    """A figure a later issue measures: its name is kept so that nothing else takes it."""

    name: str
    issue: int
    unit: str
    target: str
    target_on: str
    what: str

    def unmeasured(self) -> Metric:
        return Metric(
            self.name,
            None,
            self.unit,
            target=self.target,
            target_on=self.target_on,
            note=f"not yet measured (issue {self.issue}): {self.what}",
        )


#: Issue 10, item 6. The topic that measures one of these reports it under this name (a topic may add
#: a same-run ratio beside the absolute target); until then a full run lists it, passing and failing nothing.
RESERVED = (
    Reserved(
        "api.plan_detail_overhead",
        12,
        "ms",
        "<= 1.5",
        "ratio",
        "plan version detail through the whole stack / the bare DRF view",
    ),
    Reserved(
        "trends.dashboard_3000",
        13,
        "s",
        "< 1",
        "value",
        "/trends/ with 3,000 subjects and two years of history (and / the subject list page: <= 10)",
    ),
    Reserved(
        "sharing.registry_150k",
        14,
        "ms",
        "< 20",
        "value",
        "registry lookup with 150,000 keys (and / a PNC lookup in one force: <= 2)",
    ),
    Reserved(
        "region.report_43x12",
        15,
        "ms",
        "< 300",
        "value",
        "regional report over 43 forces x 12 months (and / the same for one force: <= 5)",
    ),
    Reserved(
        "jobs.nightly_43x3000",
        16,
        "min",
        "< 10",
        "value",
        "every nightly job over 43 forces x 3,000 subjects",
    ),
)


def unmeasured_reserved(measured: list[Metric]) -> list[Metric]:
    """A row for every reserved name no topic measured in this run."""
    names = {m.name for m in measured}
    return [r.unmeasured() for r in RESERVED if r.name not in names]


@dataclass
class Context:
    """What a topic may use: the scratch database's server, the run's size, shared notes."""

    server: str  # "embedded" or "DATABASE_URL"
    database: str
    rounds: int = 15
    forces: int = 43
    subjects_per_force: int = 3000
    quick: bool = False
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cleanup:
    """Returned by a measured function: work to do after the clock stops (dropping what it built)."""

    fn: Callable[[], Any]


def timed(fn: Callable[[], Any]) -> float:
    """Seconds ``fn()`` took; a ``Cleanup`` it returns is run afterwards, untimed."""
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    if isinstance(result, Cleanup):
        result.fn()
    return elapsed


def interleaved(rounds: int, *fns: Callable[[], Any], warmup: int = 1) -> list[float]:
    """Median seconds of each function, run in alternating rounds so that noise hits all alike."""
    for _ in range(warmup):
        for fn in fns:
            timed(fn)
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            samples[i].append(timed(fn))
    return [statistics.median(s) for s in samples]


def table(metrics: list[Metric]) -> str:
    rows = [("metric", "value", "unit", "baseline", "ratio", "target", "pass")]
    for m in metrics:
        rows.append(
            (
                m.name,
                _fmt(m.value) if m.value is not None else "not yet measured",
                m.unit,
                _fmt(m.baseline) if m.baseline is not None else "",
                f"x{m.ratio:.2f}" if m.ratio is not None else "",
                f"{m.target_on} {m.target}" if m.target else "",
                {True: "ok", False: "FAIL", None: "-"}[m.passed],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {m.name}: {m.note}" for m in metrics if m.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return str(int(value))
    return f"{value:.4g}"
