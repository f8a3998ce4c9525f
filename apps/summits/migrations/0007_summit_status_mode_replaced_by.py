"""Summit status (held, planned, postponed, cancelled), mode (in person, virtual, hybrid) and replaced_by,
with their rules in the database (issue 25; the rules themselves: apps.summits.models.summit_status_errors).

Existing rows become `held` and `in_person`, as every summit recorded so far was a meeting that took
place in a city - except a row the rules refuse as held: one with no date (nothing dates its taking place)
or dated in the future. Those become `planned`, so no meeting stands as held without a dated report.

A held meeting in the future cannot be a CHECK (it names today), so a trigger refuses it on PostgreSQL
and SQLite: its first day may be at most one day after today in UTC (HELD_DAYS_AHEAD_OF_UTC).
"""
import django.db.models.deletion
from django.db import migrations, models

HELD_IN_FUTURE = "summit_held_not_in_future"

POSTGRESQL = [
    f"""CREATE FUNCTION summits_summit_held_not_in_future() RETURNS trigger AS $$
BEGIN
  IF NEW.status = 'held' AND NEW.date > (now() AT TIME ZONE 'UTC')::date + 1 THEN
    RAISE EXCEPTION '{HELD_IN_FUTURE}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER summits_summit_held_not_in_future BEFORE INSERT OR UPDATE OF status, date ON summits_summit
  FOR EACH ROW EXECUTE FUNCTION summits_summit_held_not_in_future()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS summits_summit_held_not_in_future ON summits_summit",
    "DROP FUNCTION IF EXISTS summits_summit_held_not_in_future()",
]
SQLITE = [
    f"""CREATE TRIGGER summits_summit_held_not_in_future_{when.split()[0].lower()} BEFORE {when} ON summits_summit
  WHEN NEW.status = 'held' AND NEW.date > date('now', '+1 day')
  BEGIN SELECT RAISE(ABORT, '{HELD_IN_FUTURE}'); END"""
    for when in ("INSERT", "UPDATE OF status, date")
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS summits_summit_held_not_in_future_{name}" for name in ("insert", "update")]


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)
    return apply


def not_held_without_a_dated_past(apps, schema_editor):
    """Rows that cannot be held under the new rules (undated, or dated after tomorrow UTC) become planned."""
    import datetime

    from django.utils import timezone

    Summit = apps.get_model("summits", "Summit")
    tomorrow = timezone.now().astimezone(datetime.timezone.utc).date() + datetime.timedelta(days=1)
    (Summit.objects.filter(status="held")
     .filter(models.Q(date__isnull=True) | models.Q(date__gt=tomorrow))
     .update(status="planned"))


class Migration(migrations.Migration):

    dependencies = [
        ('actors', '0003_office'),
        ('summits', '0006_summit_list_order_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalsummit',
            name='mode',
            field=models.CharField(choices=[('in_person', 'In person'), ('virtual', 'Virtual'), ('hybrid', 'Hybrid')], db_index=True, default='in_person', max_length=10),
        ),
        migrations.AddField(
            model_name='historicalsummit',
            name='replaced_by',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The meeting held or planned instead of this postponed or cancelled one.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='summits.summit'),
        ),
        migrations.AddField(
            model_name='historicalsummit',
            name='status',
            field=models.CharField(choices=[('held', 'Held'), ('planned', 'Planned'), ('postponed', 'Postponed'), ('cancelled', 'Cancelled')], db_index=True, default='held', help_text='held only where a cited source reports it took place; a postponed or cancelled meeting keeps the date it was planned for.', max_length=10),
        ),
        migrations.AddField(
            model_name='summit',
            name='mode',
            field=models.CharField(choices=[('in_person', 'In person'), ('virtual', 'Virtual'), ('hybrid', 'Hybrid')], db_index=True, default='in_person', max_length=10),
        ),
        migrations.AddField(
            model_name='summit',
            name='replaced_by',
            field=models.ForeignKey(blank=True, help_text='The meeting held or planned instead of this postponed or cancelled one.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replaces', to='summits.summit'),
        ),
        migrations.AddField(
            model_name='summit',
            name='status',
            field=models.CharField(choices=[('held', 'Held'), ('planned', 'Planned'), ('postponed', 'Postponed'), ('cancelled', 'Cancelled')], db_index=True, default='held', help_text='held only where a cited source reports it took place; a postponed or cancelled meeting keeps the date it was planned for.', max_length=10),
        ),
        migrations.RunPython(not_held_without_a_dated_past, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['held', 'planned', 'postponed', 'cancelled'])), name='summit_status_valid', violation_error_message='status: choose held, planned, postponed or cancelled.'),
        ),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(('mode__in', ['in_person', 'virtual', 'hybrid'])), name='summit_mode_valid', violation_error_message='mode: choose in_person, virtual or hybrid.'),
        ),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ('held', 'postponed', 'cancelled')), _negated=True), ('date__isnull', False), _connector='OR'), name='summit_status_has_date', violation_error_message='A held, postponed or cancelled meeting keeps its date (at least the year).'),
        ),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('mode', 'virtual'), _negated=True), models.Q(('city_en', ''), ('city_ru', '')), _connector='OR'), name='summit_virtual_has_no_city', violation_error_message='A virtual meeting has no city.'),
        ),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(('replaced_by__isnull', True), ('status__in', ('postponed', 'cancelled')), _connector='OR'), name='summit_replaced_only_if_postponed_or_cancelled', violation_error_message='Only a postponed or cancelled meeting is replaced by another.'),
        ),
        migrations.AddConstraint(
            model_name='summit',
            constraint=models.CheckConstraint(condition=models.Q(('replaced_by', models.F('id')), _negated=True), name='summit_not_replaced_by_itself', violation_error_message='A meeting cannot be replaced by itself.'),
        ),
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
