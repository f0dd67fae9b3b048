"""Draft matrix rows for routes without one: ``python -m tests.security.matrix_missing``.

Runs the matrix test in drafting mode (one process, the test database as configured for pytest:
``SPMP_TEST_DATABASE_NAME``, ``DATABASE_URL``, ``CACHE_URL``), observing what each actor gets on
every route that has no row, and prints the rows. Check every cell before adding them to
tests/security/matrix.yaml (``--write`` appends them): a draft records what the code does, which is
what the matrix is there to question. ``--check`` only lists routes without a row (no database).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.security.matrix import MATRIX_PATH


def check_names() -> int:
    """``--check``: only whether every route has a row (no database, a few seconds)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
    django.setup()
    from tests.security.matrix import all_routes, load_matrix

    matrix = load_matrix()
    missing = [r.key for r in all_routes() if r.key not in matrix]
    for key in missing:
        print(f"no row: {key}")
    return 1 if missing else 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return check_names()
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / "draft.yaml"
        env = {**os.environ, "SPMP_MATRIX_DRAFT": str(draft)}
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "tests/security/test_matrix.py::test_every_route_has_a_row_and_every_actor_gets_its_status",
        ]
        result = subprocess.run(command, env=env, check=False)
        if result.returncode != 0 or not draft.exists():
            print("matrix_missing: the drafting run failed (see above).", file=sys.stderr)
            return result.returncode or 1
        rows = draft.read_text()
    if not rows:
        print("Every route has a row.")
        return 0
    if "--write" in argv:
        with MATRIX_PATH.open("a") as handle:
            handle.write(rows)
        print(f"Appended {rows.count(chr(10))} row(s) to {MATRIX_PATH}: check every cell.")
    else:
        sys.stdout.write(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
