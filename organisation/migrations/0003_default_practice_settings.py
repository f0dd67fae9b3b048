"""Every force has its practice settings, so that reading them never writes.

Forces onboarded from now on get them inside onboarding (``on_force_onboarded``); this fills any
force schema made before. The template schema is left empty: a row there would be cloned into
every new force under the same UUID.
"""

from django.conf import settings
from django.db import migrations


def fill(apps, schema_editor):
    schema = schema_editor.connection.schema_name
    if schema in ("public", settings.TENANT_BASE_SCHEMA):
        return
    from organisation.practice import DEFAULT_PLAN_SCOPE, DEFAULT_REMINDERS, DEFAULT_REVIEW_INTERVALS
    from organisation.practice import DEFAULT_TACTICAL_OPTIONS, DEFAULT_WARNING_MARKERS

    PracticeSettings = apps.get_model("organisation", "PracticeSettings")
    if PracticeSettings.objects.exists():
        return
    row = PracticeSettings.objects.create(
        **DEFAULT_REMINDERS,
        tactical_options=list(DEFAULT_TACTICAL_OPTIONS),
        warning_markers=list(DEFAULT_WARNING_MARKERS),
    )
    apps.get_model("organisation", "ReviewInterval").objects.bulk_create(
        apps.get_model("organisation", "ReviewInterval")(settings=row, risk_level=level, every=every, unit=unit)
        for level, (every, unit) in DEFAULT_REVIEW_INTERVALS.items()
    )
    apps.get_model("organisation", "PlanScopeRule").objects.bulk_create(
        apps.get_model("organisation", "PlanScopeRule")(settings=row, order_type_code=code, subject_condition=c)
        for code, c in DEFAULT_PLAN_SCOPE.items()
    )


class Migration(migrations.Migration):
    dependencies = [("organisation", "0002_initial")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
