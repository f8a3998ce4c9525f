"""Natural keys for the trade facts that fixtures hold (issue 17: fixtures without ids).

- Trade measures get a slug. Existing rows keep their ids; the seed's measure (id 9,000,001, China's)
  gets the slug its fixture now gives, so a database seeded before finds it again by natural key; every
  other row gets 'trade-measure-<id>'. History rows take the slug of their measure.
- A trade statement's natural key is subject, partner, year_from, year_to; its unique constraint now
  counts a missing year as a value, so two rows without years cannot share the key.
"""
import django.db.models.functions.comparison
from django.db import migrations, models

import apps.trade.models

# The seed's historical primary key → (its slug in fixtures/seed/07_trade.json, the imposing actor's slug).
SEEDED = {9000001: ("china-export-restrictions-2025", "china")}
HELP = ("Stable lower-case English identifier, e.g. china-export-restrictions-2025 (how fixtures name "
        "the measure); a random one is made when none is given.")


def fill_slugs(apps, schema_editor):
    TradeMeasure = apps.get_model("trade", "TradeMeasure")
    HistoricalTradeMeasure = apps.get_model("trade", "HistoricalTradeMeasure")
    slugs = {}
    for pk, actor in TradeMeasure.objects.values_list("pk", "imposing_actor__slug").iterator():
        seeded = SEEDED.get(pk)
        slugs[pk] = seeded[0] if seeded and seeded[1] == actor else f"trade-measure-{pk}"
    for pk, slug in slugs.items():
        TradeMeasure.objects.filter(pk=pk).update(slug=slug)
    for pk in HistoricalTradeMeasure.objects.values_list("id", flat=True).distinct():
        HistoricalTradeMeasure.objects.filter(id=pk).update(slug=slugs.get(pk, f"trade-measure-{pk}"))


class Migration(migrations.Migration):

    dependencies = [
        ("trade", "0004_trade_flow_comtrade_natural_key"),
    ]

    operations = [
        migrations.AddField(model_name="trademeasure", name="slug", field=models.SlugField(max_length=100, null=True, db_index=False)),
        migrations.AddField(model_name="historicaltrademeasure", name="slug",
                            field=models.SlugField(max_length=100, null=True, db_index=False)),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="trademeasure", name="slug",
            field=models.SlugField(default=apps.trade.models.new_trade_measure_slug, max_length=100, unique=True,
                                   help_text=HELP),
        ),
        migrations.AlterField(
            model_name="historicaltrademeasure", name="slug",
            field=models.SlugField(db_index=True, default=apps.trade.models.new_trade_measure_slug, max_length=100,
                                   help_text=HELP),
        ),
        migrations.RemoveConstraint(model_name="tradestatement", name="trade_statement_unique_period"),
        migrations.AddConstraint(
            model_name="tradestatement",
            constraint=models.UniqueConstraint(
                models.F("subject"), models.F("partner"),
                django.db.models.functions.comparison.Coalesce("year_from", 0),
                django.db.models.functions.comparison.Coalesce("year_to", 0),
                name="trade_statement_unique_period",
                violation_error_message="A statement about this subject, partner and period is already recorded.",
            ),
        ),
    ]
