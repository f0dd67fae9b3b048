"""Part-of-a-name search through a trigram index (issue 10; core.namesearch explains why)."""

import django.contrib.postgres.indexes
from django.db import migrations

import core.namesearch


class Migration(migrations.Migration):
    dependencies = [("subjects", "0005_transfer")]

    operations = [
        # In public, once for every schema; kept on reverse (other schemas' indexes use it).
        migrations.RunSQL(core.namesearch.CREATE_FUNCTION, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="subject",
            index=django.contrib.postgres.indexes.GinIndex(
                core.namesearch.NameTrigrams("name_search"),
                name="subjects_subject_name_grams",
                fastupdate=False,
            ),
        ),
        migrations.AddIndex(
            model_name="subjectalias",
            index=django.contrib.postgres.indexes.GinIndex(
                core.namesearch.NameTrigrams("name_search"),
                name="subjects_alias_name_grams",
                fastupdate=False,
            ),
        ),
    ]
