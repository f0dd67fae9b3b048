"""The dependency audit of ``make lint`` (issue 17, item 7): pinned versions, a vulnerability fails,
unreachable data is a skip with a message."""

from __future__ import annotations

from tools.audit_dependencies import judge, pinned_requirements


def test_every_dependency_is_pinned_and_read():
    pins = pinned_requirements()
    assert "Django==5.2.19" in pins and any(p.startswith("pip-audit==") for p in pins)
    assert all("==" in p and "[" not in p for p in pins)


def test_a_vulnerability_fails_and_names_the_advisory():
    report = {
        "dependencies": [
            {"name": "django", "version": "3.2.0", "vulns": [{"id": "PYSEC-2021-1"}]},
            {"name": "celery", "version": "5.7.0", "vulns": []},
        ]
    }
    code, message = judge(report, 2)
    assert code == 1 and "django 3.2.0: PYSEC-2021-1" in message


def test_unreachable_data_is_skipped_with_a_message_and_a_clean_run_passes():
    skipped = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}
    assert judge(skipped, 1) == (0, judge(skipped, 1)[1])
    assert "skipped" in judge(skipped, 1)[1]
    clean = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}
    code, message = judge(clean, 1)
    assert code == 0 and "no known vulnerability" in message
