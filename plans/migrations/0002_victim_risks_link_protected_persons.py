"""Risks to protected persons link ``orders.ProtectedPerson`` instead of naming the victim in clear.

The old optional UUID becomes a foreign key (rows whose UUID matches one of the force's protected
persons keep the link, the others are removed); the clear-text ``person`` column is dropped, so no victim's name is held
outside the encrypted ``orders`` records.
"""

import django.db.models.deletion
from django.db import migrations, models


def link_by_uuid(apps, schema_editor):
    ProtectedPerson = apps.get_model("orders", "ProtectedPerson")
    PlanVictimRisk = apps.get_model("plans", "PlanVictimRisk")
    ids = dict(ProtectedPerson.objects.values_list("uuid", "id"))
    for row in PlanVictimRisk.objects.exclude(protected_person=None):
        row.person_link_id = ids.get(row.protected_person)
        row.save(update_fields=["person_link"])
    # A row naming its victim only in clear text cannot be linked: it goes with the column.
    PlanVictimRisk.objects.filter(person_link=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0002_protected_persons_and_contact_log"),
        ("plans", "0001_plan_versions_and_parts"),
    ]

    operations = [
        migrations.AddField(
            model_name="planvictimrisk",
            name="person_link",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="orders.protectedperson",
            ),
        ),
        migrations.RunPython(link_by_uuid, migrations.RunPython.noop),
        migrations.RemoveField(model_name="planvictimrisk", name="protected_person"),
        migrations.RemoveField(model_name="planvictimrisk", name="person"),
        migrations.RenameField(model_name="planvictimrisk", old_name="person_link", new_name="protected_person"),
        migrations.AlterField(
            model_name="planvictimrisk",
            name="protected_person",
            field=models.ForeignKey(
                help_text="One of the subject's protected persons (by UUID).",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="plan_risks",
                to="orders.protectedperson",
                verbose_name="protected person",
            ),
        ),
    ]
