"""Demo seeding steps: each app registers its own (in ``AppConfig.ready``); ``seed_demo`` runs them.

A step is ``step(force)``, called with the force's schema active inside one transaction per force,
in ``order`` (lower first); it must be safe to run again (top up, never duplicate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[Any], object]
    order: int


_STEPS: dict[str, DemoStep] = {}


def register_demo_step(name: str, run: Callable[[Any], object], *, order: int) -> None:
    _STEPS[name] = DemoStep(name=name, run=run, order=order)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))
