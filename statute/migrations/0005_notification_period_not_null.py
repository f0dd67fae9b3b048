"""The order type check also refuses a notifying type whose notification period is empty (NULL).

The earlier check compared ``notification_days > 0``, which is NULL (so passes) for an empty period.
A row already saved that way cannot be mended here (the period is the law's, not ours to guess):
the migration stops and names it, for a platform administrator to correct first.
"""

from django.db import migrations, models


def refuse_rows_without_a_period(apps, schema_editor):  # type: ignore[no-untyped-def]
    OrderType = apps.get_model("statute", "OrderType")
    broken = sorted(
        OrderType.objects.filter(notification_required=True)
        .filter(models.Q(notification_days__isnull=True) | models.Q(notification_days=0) | models.Q(notification_trigger=""))
        .values_list("code", flat=True)
    )
    if broken:
        raise RuntimeError(
            "These order types require notification but have no period or trigger; set them in the "
            f"admin, then migrate again: {', '.join(broken)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("statute", "0004_fill_structured_rules"),
    ]

    operations = [
        migrations.RunPython(refuse_rows_without_a_period, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="ordertype",
            name="order_type_notification_has_period_and_trigger",
        ),
        migrations.AddConstraint(
            model_name="ordertype",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("notification_required", False),
                    models.Q(
                        ("notification_days__isnull", False),
                        ("notification_days__gt", 0),
                        models.Q(("notification_trigger", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="order_type_notification_needs_period_and_trigger",
                violation_error_code="notification_period_required",
                violation_error_message=(
                    "An order type that requires notification needs a notification period of at "
                    "least one day and a trigger."
                ),
            ),
        ),
    ]
