"""Pledges get a slug, their natural key in fixtures and dumps (issue 17: fixtures without ids).

Existing rows keep their ids. The seed's pledge (id 9,000,001, Japan's) gets the slug its fixture now
gives, so a database seeded before finds it again by natural key; every other row gets 'pledge-<id>'.
History rows take the slug of their pledge ('pledge-<id>' for a pledge since deleted).
"""
from django.db import migrations, models

import apps.investments.models

# The seed's historical primary key → (its slug in fixtures/seed/06_investments.json, its donor's slug).
SEEDED = {9000001: ("japan-3-trillion-yen-central-asia", "japan")}


def fill_slugs(apps, schema_editor):
    Pledge = apps.get_model("investments", "Pledge")
    HistoricalPledge = apps.get_model("investments", "HistoricalPledge")
    slugs = {}
    for pk, donor in Pledge.objects.values_list("pk", "donor__slug").iterator():
        seeded = SEEDED.get(pk)
        slugs[pk] = seeded[0] if seeded and seeded[1] == donor else f"pledge-{pk}"
    for pk, slug in slugs.items():
        Pledge.objects.filter(pk=pk).update(slug=slug)
    for pk in HistoricalPledge.objects.values_list("id", flat=True).distinct():
        HistoricalPledge.objects.filter(id=pk).update(slug=slugs.get(pk, f"pledge-{pk}"))


class Migration(migrations.Migration):

    dependencies = [
        ("investments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="pledge", name="slug", field=models.SlugField(max_length=100, null=True, db_index=False)),
        migrations.AddField(model_name="historicalpledge", name="slug", field=models.SlugField(max_length=100, null=True, db_index=False)),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pledge", name="slug",
            field=models.SlugField(
                default=apps.investments.models.new_pledge_slug, max_length=100, unique=True,
                help_text="Stable lower-case English identifier, e.g. japan-3-trillion-yen-central-asia (how fixtures "
                          "name the pledge); a random one is made when none is given.",
            ),
        ),
        migrations.AlterField(
            model_name="historicalpledge", name="slug",
            field=models.SlugField(
                db_index=True, default=apps.investments.models.new_pledge_slug, max_length=100,
                help_text="Stable lower-case English identifier, e.g. japan-3-trillion-yen-central-asia (how fixtures "
                          "name the pledge); a random one is made when none is given.",
            ),
        ),
    ]
