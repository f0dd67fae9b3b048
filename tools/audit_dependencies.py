"""``make lint``'s dependency audit: pip-audit over the versions pinned in pyproject.toml.

Every ``name==version`` of the project's dependencies and dev extra is checked against the
vulnerability data PyPI publishes (pip-audit's default service), without installing anything
(``--no-deps --disable-pip``). A known vulnerability fails (exit 1) naming the package, the version
and the advisory. When the data cannot be reached (no network) the audit is skipped with a message
and exit 0, so lint still runs offline.

    python -m tools.audit_dependencies
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*==\s*([^\s;]+)")
UNREACHABLE = (
    "ConnectionError",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "timed out",
    "Network is unreachable",
    "ServiceError",
)


def pinned_requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    lines = [*project.get("dependencies", []), *project.get("optional-dependencies", {}).get("dev", [])]
    pins = []
    for line in lines:
        match = PIN.match(line)
        if match is None:
            raise SystemExit(f"audit_dependencies: {line!r} is not pinned (name==version).")
        pins.append(f"{match.group(1)}=={match.group(3)}")
    return pins


def judge(report: dict[str, Any], pins: int) -> tuple[int, str]:
    """Exit code and message from pip-audit's JSON report: a vulnerability fails; when no package
    could be looked up at all the data was unreachable (a registry mirror without PyPI's JSON API
    answers "not found" for every one), so the audit is skipped."""
    dependencies = report.get("dependencies", [])
    found = [
        f"{d['name']} {d.get('version', '')}: {', '.join(v['id'] for v in d['vulns'])}"
        for d in dependencies
        if d.get("vulns")
    ]
    if found:
        return 1, "pip-audit: known vulnerabilities in pinned packages:\n  " + "\n  ".join(found)
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:
        return (
            0,
            "pip-audit skipped: the vulnerability data cannot be reached from here (no package could be looked up).",
        )
    unaudited = [d["name"] for d in dependencies if d.get("skip_reason")]
    note = f" (not found, so not audited: {', '.join(unaudited)})" if unaudited else ""
    return (
        0,
        f"pip-audit: no known vulnerability in the {len(audited)} of {pins} pinned packages looked up{note}.",
    )


def main() -> int:
    pins = pinned_requirements()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(pins) + "\n")
        path = handle.name
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "-r",
        path,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        print("pip-audit skipped: the vulnerability data did not answer within 300 s.")
        return 0
    finally:
        Path(path).unlink(missing_ok=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        if any(word in result.stderr for word in UNREACHABLE):
            print("pip-audit skipped: the vulnerability data cannot be reached from here.")
            return 0
        sys.stderr.write(result.stderr)
        return result.returncode or 1
    code, message = judge(report, len(pins))
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
