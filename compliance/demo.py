"""Demo compliance history (filled in below)."""

from __future__ import annotations

from typing import Any


def seed_compliance(force: Any) -> None:
    return None
