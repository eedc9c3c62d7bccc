# Council staff searching the case list also find a caller's cases by their full name
# (complaints/filters.py): an index on UPPER(name) spares every search a scan of every user.

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_intake_clerk"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(django.db.models.functions.text.Upper("name"), name="user_name_upper"),
        ),
    ]
