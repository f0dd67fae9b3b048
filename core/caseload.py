"""The caseload (the subject list page) as the apps above ``subjects`` extend it.

``subjects`` owns the list page but must not import ``orders`` (nor, later, plans or compliance),
which know what an officer's caseload shows beside the subject: orders, statuses, key dates, whether
a plan is needed. So the page asks here for its filterset class (django-filter), and an app above
registers a subclass of the one before it in ``AppConfig.ready``, one-way, like the case-file
sections: ``subjects.filters.SubjectListFilter`` <- ``orders.caseload.CaseloadFilter`` <- ... The
class carries the filters, sort orders, counts, per-row facts and the templates of its parts.
"""

from __future__ import annotations

from typing import Any

_registered: list[type[Any]] = []


def register_caseload_filterset(filterset_class: type[Any]) -> None:
    """Make ``filterset_class`` the caseload's; it must extend the class registered before it."""
    if filterset_class in _registered:
        return
    if _registered and not issubclass(filterset_class, _registered[-1]):
        raise TypeError(
            f"{filterset_class.__name__} must extend {_registered[-1].__name__}, the caseload filterset "
            "registered before it, so that no filter, sort order or column is lost."
        )
    _registered.append(filterset_class)


def caseload_filterset(default: type[Any]) -> type[Any]:
    """The caseload's filterset class: the last one registered, else ``default`` (the subjects' own)."""
    return _registered[-1] if _registered else default
