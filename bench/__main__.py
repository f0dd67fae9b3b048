"""`make bench`: every benchmark topic in a scratch database, as ratios to same-run baselines.

Each ``bench/<topic>.py`` exposes ``run(ctx) -> list[Metric]`` (``bench.metrics``). The run prints one
table, writes ``bench/results/latest.json`` (``{"metrics": [...]}``) and a stamped copy, and exits
non-zero when a target is missed. Timings live here, never in pass/fail tests (nor in CI).

    python -m bench                  # 43 forces x 3,000 subjects
    python -m bench --quick          # 5 forces x 3,000 subjects, fewer rounds (a smoke run)
    python -m bench --only api search
    python -m bench --quick --forces 1 --only data caseload   # load data, then the caseload
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
import traceback

from bench.scratch import ROOT, Refused

# In order: onboarding makes the forces, data fills them, the others measure them. A topic whose
# module is missing is skipped with a line: ``load`` arrives with the locust load test.
TOPICS = (
    "onboarding",
    "data",
    # The load test runs on the load data as generated, before other topics add subjects without
    # Niche references (its wrong-force check would count those), and saves generating it again.
    "load",
    "migrate",
    "backup",
    "api",
    "plans",
    "sharing",
    "search",
    "imports",
    "caseload",
    "compliance",
    "resourcing",
    "reminders",
    "security",
    "soak",
)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 forces and fewer rounds")
    parser.add_argument("--forces", type=int, default=None)
    parser.add_argument("--subjects-per-force", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--only", nargs="*", choices=TOPICS, default=None)
    return parser.parse_args(argv)


def _load_average() -> list[float] | None:
    """The machine's load: these machines are shared, and a figure means little without it."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import scratch
    from bench.metrics import Context, Metric, table, unmeasured_reserved

    try:
        scratch.refuse_production()
        label, maintenance_url, scratch_url = scratch.server_urls()
        name = scratch.scratch_name()
        print(f"bench: recreating database {name!r} on the {label} server")
        scratch.recreate(maintenance_url, name)
    except Refused as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    from spmp_platform.embedded import ensure_local_services

    ensure_local_services()  # the local broker's folders (the database is the scratch one above)

    call_command("migrate_all", verbosity=0)
    ctx = Context(
        server=label,
        database=name,
        rounds=args.rounds or (5 if args.quick else 15),
        forces=args.forces or (5 if args.quick else 43),
        subjects_per_force=args.subjects_per_force,
        quick=args.quick,
    )
    started = time.perf_counter()
    metrics: list[Metric] = []
    skipped: list[str] = []
    topic_seconds: dict[str, float] = {}
    for topic in args.only or TOPICS:
        if importlib.util.find_spec(f"bench.{topic}") is None:
            skipped.append(topic)
            continue
        print(f"bench: {topic}")
        module = importlib.import_module(f"bench.{topic}")
        topic_started = time.perf_counter()
        try:
            metrics += module.run(ctx)
        except Exception as error:  # one topic's crash must not lose the others' figures
            # A 43-force run lost 35 minutes of figures to one job's ValidationError in `reminders`:
            # the crash is printed, reported as a missed metric, and the run goes on.
            traceback.print_exc()
            metrics.append(
                Metric(
                    f"{topic}.crashed",
                    1,
                    "errors",
                    target="< 1",
                    target_on="value",
                    note=f"the topic stopped: {type(error).__name__}: {str(error)[:300]}",
                )
            )
            from core.tenancy import use_public_schema

            use_public_schema()
        topic_seconds[topic] = round(time.perf_counter() - topic_started, 1)
    elapsed = time.perf_counter() - started
    if args.only is None:
        metrics += unmeasured_reserved(metrics)

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    payload = {
        "metrics": [m.as_json() for m in metrics],
        "run": {
            "server": label,
            "database": name,
            "forces": ctx.forces,
            "subjects_per_force": ctx.subjects_per_force,
            "rounds": ctx.rounds,
            "quick": ctx.quick,
            "seconds": round(elapsed, 1),
            "topic_seconds": topic_seconds,
            "load_average": _load_average(),
            "skipped_topics": skipped,
        },
    }
    text = json.dumps(payload, indent=2)
    (out_dir / f"bench-{stamp}.json").write_text(text)
    (out_dir / "latest.json").write_text(text)
    print()
    print(table(metrics))
    print("\nseconds per topic: " + ", ".join(f"{t} {s:.0f}" for t, s in topic_seconds.items()))
    print(f"load average at the end (1, 5, 15 min): {_load_average()}")
    if skipped:
        print(f"\nskipped (module not present yet): {', '.join(skipped)}")
    failed = [m.name for m in metrics if m.passed is False]
    measured = [m for m in metrics if m.value is not None]
    print(
        f"\n{len(measured)} metrics ({len(metrics) - len(measured)} reserved, not yet measured) in "
        f"{elapsed:.0f} s, {len(failed)} missed their target; "
        f"written to bench/results/latest.json and bench-{stamp}.json"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
