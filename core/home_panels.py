"""Panels of a force's home page contributed by apps above ``tenants`` (compliance's escalations).

``tenants`` must not import those apps, so each registers a panel here (in ``AppConfig.ready``),
like the case-file sections: ``panel(request) -> (template_name, context) | None``. A panel scopes
its own reads with ``restrict`` and logs what it shows, and sets ``case_data`` in its context when
it names anyone (the page is then marked OFFICIAL-SENSITIVE); None leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Panel = Callable[[Any], "tuple[str, dict[str, Any]] | None"]

_PANELS: dict[str, tuple[int, Panel]] = {}


def register_home_panel(name: str, build: Panel, *, order: int) -> None:
    _PANELS[name] = (order, build)


def home_panels(request: Any) -> list[dict[str, Any]]:
    """The panels to show, in order: ``[{"name", "template", "context"}, ...]``."""
    out = []
    for name, (_order, build) in sorted(_PANELS.items(), key=lambda item: (item[1][0], item[0])):
        built = build(request)
        if built is not None:
            template, context = built
            out.append({"name": name, "template": template, "context": context})
    return out
