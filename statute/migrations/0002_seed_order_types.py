"""Ship the order types of DOMAIN.md with their statutory rules (platform administrators maintain them)."""

from django.db import migrations
from django_tenants.utils import get_public_schema_name

from statute.order_types import ORDER_TYPES, ensure_order_types


def seed(apps, schema_editor):
    # Order types live in public only; this migration is recorded per force schema too, where it
    # must do nothing.
    if schema_editor.connection.schema_name != get_public_schema_name():
        return
    ensure_order_types(apps.get_model("statute", "OrderType"))


def unseed(apps, schema_editor):
    if schema_editor.connection.schema_name != get_public_schema_name():
        return
    apps.get_model("statute", "OrderType").objects.filter(code__in=[r["code"] for r in ORDER_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("statute", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
