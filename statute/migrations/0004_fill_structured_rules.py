"""Fill the structured notification rules of the shipped order types (issue 11, item 4).

``ensure_order_types`` only creates missing rows, so rows shipped before these fields existed get
them here. Public schema only, like 0002.
"""

from django.db import migrations
from django_tenants.utils import get_public_schema_name

from statute.order_types import fill_structured_rules


def fill(apps, schema_editor):
    if schema_editor.connection.schema_name != get_public_schema_name():
        return
    fill_structured_rules(apps.get_model("statute", "OrderType"))


class Migration(migrations.Migration):
    dependencies = [("statute", "0003_structured_rules")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
