"""The subject list's filters, sort orders and counts (django-filter), which apps above extend.

The list page (``views.SubjectListView``) uses the filterset registered with ``core.caseload``
(``orders.caseload.CaseloadFilter``, a subclass of this one, adds orders, key dates and plans),
else this one. Filters travel in the query string: team and area ids, order types and statuses are
not personal data. Search terms never do (they are posted and kept in the session).

Every value is checked before a row is read: a bad one is a field error on the page and a 400
``invalid`` with its field's codes over the API (``invalid_choice``, ``invalid``), never a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, QuerySet

from core.forms import GovukFormMixin, RecordChoiceField

from .models import Subject

#: A sort order: its label and the ``order_by`` terms (a final ``id`` keeps pages stable).
Sort = tuple[str, tuple[Any, ...]]

SUBJECT_SORTS: dict[str, Sort] = {
    "family_name": ("Name (A to Z)", ("family_name", "given_names", "id")),
    "-family_name": ("Name (Z to A)", (F("family_name").desc(), F("given_names").desc(), "-id")),
    "-created_at": ("Recorded (newest first)", ("-created_at", "-id")),
    "created_at": ("Recorded (oldest first)", ("created_at", "id")),
}


def soonest_first(column: str) -> tuple[OrderBy, str, str, str]:
    """Earliest date first, rows without a date last, then by name."""
    return (F(column).asc(nulls_last=True), "family_name", "given_names", "id")


class SortFilter(django_filters.ChoiceFilter):
    """``ordering``: one of ``sorts`` by its key; another value is ``invalid_choice``."""

    def __init__(self, sorts: Mapping[str, Sort], **kwargs: Any) -> None:
        self.sorts = dict(sorts)
        kwargs.setdefault("label", "Sort by")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": "Choose how to sort the list from the options (%(value)s is not one)."},
        )
        super().__init__(choices=[(k, label) for k, (label, _terms) in self.sorts.items()], **kwargs)
        self.extra["empty_label"] = None

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.order_by(*self.sorts[value][1])


class FlagField(forms.Field):
    """A yes-or-no filter as a query parameter: ``true`` (the page's ticked box) or ``false``.

    Django's boolean fields read anything unexpected as no; a filter mistyped in a URL or an API
    call must say so instead of quietly showing everyone.
    """

    TRUE = ("true", "1", "yes", "on")
    FALSE = ("false", "0", "no", "off")
    default_error_messages = {"invalid": "%(label)s takes true or false."}

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid", params={"label": self.label})

    def prepare_value(self, value: Any) -> Any:
        """``"true"`` for any spelling of yes (the panel ticks its box), else the value as given."""
        if value is True or str(value).strip().lower() in self.TRUE:
            return "true"
        return value


class FlagFilter(django_filters.Filter):
    """Keeps the rows whose boolean column (or annotation) ``field_name`` is true, when the flag is
    true; false, like leaving it out, shows everyone."""

    field_class = FlagField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is not True:
            return qs
        return qs.filter(**{self.field_name: True})


def _aou_teams(request: Any) -> QuerySet[Any]:
    # Names of the force's units and areas are not case data: every reader of the list may filter
    # by them, as the subject form offers them to every recorder.
    from organisation.choices import TeamKind
    from organisation.models import Team

    return Team.objects.filter(kind=TeamKind.ANCILLARY_ORDER_UNIT).order_by("name")


def _areas(request: Any) -> QuerySet[Any]:
    from organisation.models import Area

    return Area.objects.order_by("name")


class RecordFilter(django_filters.ModelChoiceFilter):
    field_class = RecordChoiceField


class ListFilterForm(GovukFormMixin, forms.Form):
    """The filter panel's form (GOV.UK error messages)."""


@dataclass(frozen=True)
class Facet:
    """One count shown above the list (e.g. 12 with an order ending within 90 days), and the
    filter that shows only those: ``param=true``."""

    param: str
    label: str
    count: int
    colour: str = "grey"


@dataclass(frozen=True)
class ListCounts:
    total: int
    facets: list[Facet] = field(default_factory=list)


@dataclass(frozen=True)
class Selected:
    """A filter value in force, for the "Selected filters" list: which filter, which value."""

    param: str
    value: str
    filter_label: str
    value_label: str


class SubjectListFilter(django_filters.FilterSet):
    """What ``subjects`` itself knows of its list: managing team, area, name and date recorded."""

    team = RecordFilter(
        field_name="managing_team",
        queryset=_aou_teams,
        to_field_name="uuid",
        label="Managing team",
        empty_label="Any team",
        error_messages={"invalid_choice": "Choose a managing team from the list."},
    )
    area = RecordFilter(
        field_name="area",
        queryset=_areas,
        to_field_name="uuid",
        label="Area",
        empty_label="Any area",
        error_messages={"invalid_choice": "Choose an area from the list."},
    )
    ordering = SortFilter(SUBJECT_SORTS)

    #: The templates of the page's parts: the filter panel's fields and the table.
    panel_template = "subjects/_list_filters.html"
    table_template = "subjects/_list_table.html"

    class Meta:
        model = Subject
        fields: list[str] = []
        form = ListFilterForm

    # -- what the page and the API ask of the caseload ------------------------------------------
    def counts(self, queryset: QuerySet[Any]) -> ListCounts:
        """How many subjects the filtered list holds, and per facet; a constant number of queries."""
        return ListCounts(total=queryset.count())

    def prepare_rows(self, rows: list[Any]) -> None:
        """Give the rows of one page what their cells show (a constant number of queries)."""

    def selected(self) -> list[Selected]:
        """The filter values in force (valid form only), to show and to remove one by one."""
        if not self.is_bound or not self.form.is_valid():
            return []
        out: list[Selected] = []
        for name, value in self.form.cleaned_data.items():
            if name == "ordering" or value in (None, "", [], False):
                continue
            label = str(self.form.fields[name].label)
            if value is True:
                out.append(Selected(name, "true", label, label))
            elif isinstance(value, (list, tuple)):
                names = dict(self.form.fields[name].choices)  # type: ignore[attr-defined]
                out += [Selected(name, str(v), label, str(names.get(v, v))) for v in value]
            elif hasattr(value, "uuid"):
                out.append(Selected(name, str(value.uuid), label, str(value)))
            else:
                out.append(Selected(name, str(value), label, str(value)))
        return out

    @classmethod
    def params(cls) -> Iterable[str]:
        """The query parameters the filterset reads (kept across searches and pages)."""
        return cls.base_filters.keys()
