"""The force's practice settings: defaults at onboarding, reading them, and changing them (audited)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audited_change
from core.forms import coded

from .choices import IntervalUnit, RiskLevel, SubjectCondition
from .errors import OrganisationError, PracticeError
from .models import PlanScopeRule, PracticeSettings, ReviewInterval, VisitInterval
from .models.settings import DEMAND_FIELDS, MAX_DEMAND_MINUTES, MAX_INTERVAL, MAX_LEAD_DAYS

# Defaults from DOMAIN.md ("historic national practice"); a force changes them on its settings page.
DEFAULT_REVIEW_INTERVALS: dict[str, tuple[int, str]] = {
    RiskLevel.VERY_HIGH: (6, IntervalUnit.WEEKS),
    RiskLevel.HIGH: (3, IntervalUnit.MONTHS),
    RiskLevel.MEDIUM: (6, IntervalUnit.MONTHS),
    RiskLevel.LOW: (12, IntervalUnit.MONTHS),
}
# Routine visits (issue 13), for plans that choose visits among their tactical options. Low risk
# has none by default: visits there are reactive unless the force sets an interval.
DEFAULT_VISIT_INTERVALS: dict[str, tuple[int, str]] = {
    RiskLevel.VERY_HIGH: (1, IntervalUnit.WEEKS),
    RiskLevel.HIGH: (2, IntervalUnit.WEEKS),
    RiskLevel.MEDIUM: (1, IntervalUnit.MONTHS),
}
DEFAULT_REMINDERS = {"review_reminder_days": 14, "visit_reminder_days": 2, "order_expiry_reminder_days": 56}
REMINDER_FIELDS = tuple(DEFAULT_REMINDERS)
# Compliance settings (issue 13): their defaults are the model's; their bounds are these.
COMPLIANCE_LIMITS: dict[str, tuple[int, int]] = {
    "breach_review_days": (1, MAX_LEAD_DAYS),
    "escalation_breaches": (1, 100),
    "escalation_breach_window_days": (1, MAX_LEAD_DAYS),
    "escalation_quiet_days": (1, 5 * 366),
    "escalation_missed_visits": (1, 20),
}
COMPLIANCE_FIELDS = tuple(COMPLIANCE_LIMITS)
# A new force plans for every subject under a stalking protection order (full or interim).
DEFAULT_PLAN_SCOPE: dict[str, str] = {
    "SPO": SubjectCondition.EVERY_SUBJECT,
    "ISPO": SubjectCondition.EVERY_SUBJECT,
}
DEFAULT_TACTICAL_OPTIONS = [
    "Home visit (announced)",
    "Home visit (unannounced)",
    "PNC warning marker",
    "ANPR marker",
    "Victim safety measures",
    "Referral to a perpetrator programme",
    "Multi-agency referral (MAPPA / MARAC)",
    "Monitoring of online activity",
    "Disclosure to a new partner",
]
DEFAULT_WARNING_MARKERS = [
    "Stalking",
    "Domestic abuse",
    "Violent",
    "Weapons",
    "Sex offender",
    "Mental health",
    "Suicidal / self-harm",
    "Drugs",
]
LIST_ITEM_MAX = 120
LIST_MAX_ITEMS = 100


def review_field(risk_level: str) -> str:
    """The field name used in forms, API bodies and error dictionaries for one risk level's interval."""
    return "review_" + risk_level.replace("-", "_")


def visit_field(risk_level: str) -> str:
    """As ``review_field``, for one risk level's routine visit interval."""
    return "visit_" + risk_level.replace("-", "_")


@transaction.atomic
def ensure_default_settings() -> PracticeSettings:
    """The current force's settings, created with the defaults if it has none yet (idempotent)."""
    settings_row, created = PracticeSettings.objects.get_or_create(
        singleton=True,
        defaults={
            **DEFAULT_REMINDERS,
            "tactical_options": list(DEFAULT_TACTICAL_OPTIONS),
            "warning_markers": list(DEFAULT_WARNING_MARKERS),
        },
    )
    if created:
        ReviewInterval.objects.bulk_create(
            ReviewInterval(settings=settings_row, risk_level=level, every=every, unit=unit)
            for level, (every, unit) in DEFAULT_REVIEW_INTERVALS.items()
        )
        PlanScopeRule.objects.bulk_create(
            PlanScopeRule(settings=settings_row, order_type_code=code, subject_condition=condition)
            for code, condition in DEFAULT_PLAN_SCOPE.items()
        )
        VisitInterval.objects.bulk_create(
            VisitInterval(settings=settings_row, risk_level=level, every=every, unit=unit)
            for level, (every, unit) in DEFAULT_VISIT_INTERVALS.items()
        )
    return settings_row


def get_practice_settings() -> PracticeSettings:
    """The current force's settings with intervals and scope rules loaded (two extra queries).

    A read never writes: every force has its settings from onboarding (``on_force_onboarded``),
    and the ``organisation`` data migration gave them to any force made before.
    """
    return PracticeSettings.objects.prefetch_related("review_intervals", "scope_rules").get(singleton=True)


def on_force_onboarded(sender: Any, force: Any, **kwargs: Any) -> None:
    """Receiver of ``core.signals.force_onboarded``: runs in the new force's schema."""
    ensure_default_settings()


@dataclass(frozen=True)
class IntervalValue:
    every: int
    unit: str


def snapshot(settings_row: PracticeSettings) -> dict[str, Any]:
    """The settings as plain values, for the audit log (none of it is personal data)."""
    data: dict[str, Any] = {
        f: getattr(settings_row, f) for f in (*REMINDER_FIELDS, *DEMAND_FIELDS, *COMPLIANCE_FIELDS)
    }
    for interval in settings_row.review_intervals.all():
        data[review_field(interval.risk_level)] = f"{interval.every} {interval.unit}"
    visits = {i.risk_level: f"{i.every} {i.unit}" for i in settings_row.visit_intervals.all()}
    for level in RiskLevel.values:
        data[visit_field(level)] = visits.get(level, "none")
    data["plan_scope"] = sorted(
        f"{r.order_type_code}:{r.subject_condition}" for r in settings_row.scope_rules.all()
    )
    data["tactical_options"] = list(settings_row.tactical_options)
    data["warning_markers"] = list(settings_row.warning_markers)
    return data


_ENTRY_NAMES = {"tactical_options": "Tactical option", "warning_markers": "Warning marker"}


Errors = dict[str, list[ValidationError]]


def _clean_list(field: str, items: Iterable[str], errors: Errors) -> list[str]:
    out: list[str] = []
    entry = _ENTRY_NAMES.get(field, "Entry")
    for line, raw in enumerate(items, start=1):
        item = " ".join(str(raw or "").split())
        if not item:
            continue
        if len(item) > LIST_ITEM_MAX:
            # Name the entry: twelve identical errors would not say which lines to shorten.
            errors.setdefault(field, []).append(
                coded(
                    f"{entry} on line {line} (“{item[:30]}…”) must be {LIST_ITEM_MAX} characters or fewer",
                    PracticeError.ENTRY_TOO_LONG,
                )
            )
            continue
        if item.casefold() not in {o.casefold() for o in out}:
            out.append(item)
    if len(out) > LIST_MAX_ITEMS:
        errors.setdefault(field, []).append(
            coded(f"Keep the list to {LIST_MAX_ITEMS} entries or fewer.", PracticeError.TOO_MANY_ENTRIES)
        )
    return out


def validate_interval(
    risk_level: str, value: Any, errors: Errors, *, kind: str = "review"
) -> IntervalValue | None:
    """One interval checked; ``kind`` is "review" or "visit" (the field name and the wording)."""
    field = review_field(risk_level) if kind == "review" else visit_field(risk_level)
    label = RiskLevel(risk_level).label.lower()
    every = getattr(value, "every", None) if not isinstance(value, Mapping) else value.get("every")
    unit = getattr(value, "unit", None) if not isinstance(value, Mapping) else value.get("unit")
    if unit not in IntervalUnit.values:
        errors.setdefault(field, []).append(
            coded(
                f"Choose days, weeks or months for the {label} risk {kind} interval.",
                PracticeError.INVALID_UNIT,
            )
        )
        return None
    if not isinstance(every, int) or isinstance(every, bool):
        errors.setdefault(field, []).append(
            coded(
                f"Enter the {label} risk {kind} interval as a whole number.", PracticeError.NOT_WHOLE_NUMBER
            )
        )
        return None
    if every <= 0:
        errors.setdefault(field, []).append(
            coded(f"The {label} risk {kind} interval must be more than zero.", PracticeError.NOT_POSITIVE)
        )
        return None
    if every > MAX_INTERVAL[IntervalUnit(unit)]:
        errors.setdefault(field, []).append(
            coded(
                f"The {label} risk {kind} interval must be five years or less "
                f"(at most {MAX_INTERVAL[IntervalUnit(unit)]} {unit}).",
                PracticeError.TOO_LONG,
            )
        )
        return None
    return IntervalValue(every=every, unit=unit)


def _whole_number_in(field: str, value: Any, low: int, high: int, what: str, errors: Errors) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        errors.setdefault(field, []).append(
            coded(f"Enter {what} as a whole number.", PracticeError.NOT_WHOLE_NUMBER)
        )
        return None
    if not low <= value <= high:
        errors.setdefault(field, []).append(
            coded(f"Enter {what} from {low} to {high}.", PracticeError.OUT_OF_RANGE)
        )
        return None
    return value


@transaction.atomic
def update_practice_settings(
    *,
    actor: Any,
    review_intervals: Mapping[str, Any] | None = None,
    reminders: Mapping[str, Any] | None = None,
    plan_scope: Mapping[str, str] | None = None,
    tactical_options: Iterable[str] | None = None,
    warning_markers: Iterable[str] | None = None,
    demand_minutes: Mapping[str, Any] | None = None,
    compliance: Mapping[str, Any] | None = None,
    visit_intervals: Mapping[str, Any] | None = None,
) -> PracticeSettings:
    """Change the current force's practice; only the parts given change. All-or-nothing.

    ``compliance`` maps the fields of ``COMPLIANCE_FIELDS`` (the review brought forward after a
    breach, the escalation thresholds) to whole numbers within ``COMPLIANCE_LIMITS``: a breach
    review of 0 days is refused. ``visit_intervals`` maps a RiskLevel to an interval as above, or
    to None for no routine visits at that level; levels not given are left as they are.

    ``review_intervals`` maps a RiskLevel to ``{"every": n, "unit": IntervalUnit}``; ``plan_scope``
    maps an order type code to a SubjectCondition and replaces the whole scope. Field errors are
    raised as a ValidationError keyed as the settings form and API name their fields. Changes
    apply to schedules made from now on; existing review dates are not moved. ``demand_minutes``
    maps the resourcing fields (``minutes_per_visit``, ...) to whole minutes from 1 to 1440.
    """
    from statute.models import OrderType

    ensure_default_settings()
    settings_row = (
        PracticeSettings.objects.select_for_update()
        .prefetch_related("review_intervals", "scope_rules", "visit_intervals")
        .get(singleton=True)
    )
    errors: Errors = {}

    intervals: dict[str, IntervalValue] = {}
    for level, value in (review_intervals or {}).items():
        if level not in RiskLevel.values:
            errors.setdefault("review_intervals", []).append(
                coded(f"'{level}' is not a risk level.", PracticeError.UNKNOWN_RISK_LEVEL)
            )
            continue
        checked = validate_interval(level, value, errors)
        if checked is not None:
            intervals[level] = checked

    visits: dict[str, IntervalValue | None] = {}
    for level, value in (visit_intervals or {}).items():
        if level not in RiskLevel.values:
            errors.setdefault("visit_intervals", []).append(
                coded(f"'{level}' is not a risk level.", PracticeError.UNKNOWN_RISK_LEVEL)
            )
        elif value is None:
            visits[level] = None
        elif (checked := validate_interval(level, value, errors, kind="visit")) is not None:
            visits[level] = checked

    reminder_values: dict[str, int] = {}
    for field, value in (reminders or {}).items():
        if field not in REMINDER_FIELDS:
            errors.setdefault(field, []).append(
                coded("This is not a reminder setting.", PracticeError.NOT_A_SETTING)
            )
        elif (
            days := _whole_number_in(field, value, 0, MAX_LEAD_DAYS, "a number of days", errors)
        ) is not None:
            reminder_values[field] = days

    compliance_values: dict[str, int] = {}
    for field, value in (compliance or {}).items():
        if field not in COMPLIANCE_LIMITS:
            errors.setdefault(field, []).append(
                coded("This is not a compliance setting.", PracticeError.NOT_A_SETTING)
            )
            continue
        low, high = COMPLIANCE_LIMITS[field]
        what = str(PracticeSettings._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
        if (number := _whole_number_in(field, value, low, high, f"“{what}”", errors)) is not None:
            compliance_values[field] = number

    scope: dict[str, str] | None = None
    if plan_scope is not None:
        known = set(OrderType.objects.filter(is_active=True).values_list("code", flat=True))
        scope = {}
        for code, condition in plan_scope.items():
            code = str(code).strip().upper()
            if code not in known:
                errors.setdefault("plan_scope", []).append(
                    coded(
                        f"'{code}' is not an order type of the platform; choose one from the list.",
                        PracticeError.UNKNOWN_ORDER_TYPE,
                    )
                )
            elif condition not in SubjectCondition.values:
                errors.setdefault("plan_scope", []).append(
                    coded(
                        f"Choose which subjects under {code} need a plan from the list.",
                        PracticeError.UNKNOWN_CONDITION,
                    )
                )
            else:
                scope[code] = condition

    options = (
        _clean_list("tactical_options", tactical_options, errors) if tactical_options is not None else None
    )
    markers = _clean_list("warning_markers", warning_markers, errors) if warning_markers is not None else None
    minutes, minute_errors = clean_demand_minutes(demand_minutes or {})
    if errors or minute_errors:
        raise ValidationError({**errors, **minute_errors})

    with audited_change(
        settings_row,
        snapshot,
        justification="Practice settings changed; they apply to schedules made from now on",
        actor=actor,
    ) as change:
        for level, value in intervals.items():
            ReviewInterval.objects.update_or_create(
                settings=settings_row, risk_level=level, defaults={"every": value.every, "unit": value.unit}
            )
        for level, visit in visits.items():
            if visit is None:
                VisitInterval.objects.filter(settings=settings_row, risk_level=level).delete()
            else:
                VisitInterval.objects.update_or_create(
                    settings=settings_row,
                    risk_level=level,
                    defaults={"every": visit.every, "unit": visit.unit},
                )
        for field, days in {**reminder_values, **compliance_values}.items():
            setattr(settings_row, field, days)
        if scope is not None:
            settings_row.scope_rules.exclude(order_type_code__in=list(scope)).delete()
            for code, condition in scope.items():
                PlanScopeRule.objects.update_or_create(
                    settings=settings_row, order_type_code=code, defaults={"subject_condition": condition}
                )
        if options is not None:
            settings_row.tactical_options = options
        if markers is not None:
            settings_row.warning_markers = markers
        for field, value in minutes.items():
            setattr(settings_row, field, value)
        settings_row.updated_at = timezone.now()
        settings_row.save()

        # Re-read with the relations, so the after-snapshot sees the rows just written.
        fresh = PracticeSettings.objects.prefetch_related(
            "review_intervals", "scope_rules", "visit_intervals"
        ).get(pk=settings_row.pk)
        change.instance = fresh
    return fresh


def clean_demand_minutes(
    values: Mapping[str, Any],
) -> tuple[dict[str, int], dict[str, list[ValidationError]]]:
    """The resourcing demand parameters given, checked: whole minutes from 1 to a day, coded errors."""
    out: dict[str, int] = {}
    errors: dict[str, list[ValidationError]] = {}
    for field, value in values.items():
        if field not in DEMAND_FIELDS:
            errors[field] = [
                ValidationError("This is not a demand setting.", code=OrganisationError.NOT_CHANGEABLE)
            ]
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DEMAND_MINUTES:
            errors[field] = [
                ValidationError(
                    f"Enter a whole number of minutes from 1 to {MAX_DEMAND_MINUTES}.",
                    code=OrganisationError.MINUTES_OUT_OF_RANGE,
                )
            ]
        else:
            out[field] = value
    return out, errors


def plan_required(
    *,
    order_type_codes: Iterable[str],
    registered_sex_offender: bool,
    risk_level: str | None,
    settings_row: PracticeSettings | None = None,
) -> bool:
    """Whether a subject with orders of these types needs a plan under the force's plan scope.

    For the subject register and plan features: one rule per order type decides; a subject needs a
    plan when the rule of any of their order types matches them.
    """
    row = settings_row or get_practice_settings()
    rules = {r.order_type_code: r.subject_condition for r in row.scope_rules.all()}
    for code in order_type_codes:
        condition = rules.get(code)
        if condition == SubjectCondition.EVERY_SUBJECT:
            return True
        if condition == SubjectCondition.REGISTERED_SEX_OFFENDERS and registered_sex_offender:
            return True
        if condition == SubjectCondition.HIGH_RISK_OR_ABOVE and risk_level in (
            RiskLevel.HIGH,
            RiskLevel.VERY_HIGH,
        ):
            return True
    return False
