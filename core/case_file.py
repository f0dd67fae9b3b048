"""Sections of a subject's case file contributed by apps above ``subjects`` (orders, plans, ...).

``subjects`` must not import those apps, so each registers a section here (in ``AppConfig.ready``)
and the case-file page asks for them: one-way, like the demo steps. A section is
``section(request, subject, reason) -> (template_name, context) | None``; it runs after the case
file's open was logged, must scope its own reads with ``restrict`` and log them with ``reason``
(the subject's reason for access covers what the case file shows). None leaves the section out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Section = Callable[[Any, Any, str], "tuple[str, dict[str, Any]] | None"]


@dataclass(frozen=True)
class CaseFileSection:
    name: str
    build: Section
    order: int


_SECTIONS: dict[str, CaseFileSection] = {}


def register_case_file_section(name: str, build: Section, *, order: int) -> None:
    _SECTIONS[name] = CaseFileSection(name=name, build=build, order=order)


def case_file_sections(request: Any, subject: Any, reason: str) -> list[dict[str, Any]]:
    """The sections to show, in order: ``[{"name", "template", "context"}, ...]``."""
    out = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        built = section.build(request, subject, reason)
        if built is not None:
            template, context = built
            out.append({"name": section.name, "template": template, "context": context})
    return out
