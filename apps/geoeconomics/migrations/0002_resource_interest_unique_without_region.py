"""A resource interest's natural key is resource, actor, kind and region (issue 17: fixtures without ids);
with no region, NULLs are distinct in the unique index, so a second constraint keeps the key unique there."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("geoeconomics", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="resourceinterest",
            constraint=models.UniqueConstraint(
                condition=models.Q(region__isnull=True), fields=("resource", "actor", "kind"),
                name="resource_interest_unique_without_region",
                violation_error_message="This interest is already recorded.",
            ),
        ),
    ]
