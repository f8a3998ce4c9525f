"""A format's partner is a state or an organisation, in the database too.

A CHECK constraint cannot look at another table, so a trigger does it (PostgreSQL and SQLite): writing a
format whose partner is not a state or organisation fails with an integrity error, and so does turning
an actor that is some format's partner into a person or grouping. Model validation
(SummitFormat.clean) gives the per-field 400 first; this stops writes that skip it (raw SQL, loaddata).
"""
from django.db import migrations

MESSAGE = "summit_format_partner_is_state_or_organisation"

POSTGRESQL = [
    f"""CREATE FUNCTION summits_format_partner_kind() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'summits_summitformat' THEN
    IF (SELECT kind FROM actors_actor WHERE id = NEW.partner_id) NOT IN ('state', 'organisation') THEN
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.kind NOT IN ('state', 'organisation')
        AND EXISTS (SELECT 1 FROM summits_summitformat WHERE partner_id = NEW.id) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER summits_format_partner_kind BEFORE INSERT OR UPDATE OF partner_id ON summits_summitformat
  FOR EACH ROW EXECUTE FUNCTION summits_format_partner_kind()""",
    """CREATE TRIGGER summits_format_partner_kind BEFORE UPDATE OF kind ON actors_actor
  FOR EACH ROW EXECUTE FUNCTION summits_format_partner_kind()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS summits_format_partner_kind ON summits_summitformat",
    "DROP TRIGGER IF EXISTS summits_format_partner_kind ON actors_actor",
    "DROP FUNCTION IF EXISTS summits_format_partner_kind()",
]
SQLITE = [
    f"""CREATE TRIGGER summits_format_partner_kind_{when.lower()} BEFORE {when} ON summits_summitformat
  WHEN (SELECT kind FROM actors_actor WHERE id = NEW.partner_id) NOT IN ('state', 'organisation')
  BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for when in ("INSERT", "UPDATE")
] + [
    f"""CREATE TRIGGER summits_format_partner_kind_actor BEFORE UPDATE OF kind ON actors_actor
  WHEN NEW.kind NOT IN ('state', 'organisation')
   AND EXISTS (SELECT 1 FROM summits_summitformat WHERE partner_id = NEW.id)
  BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS summits_format_partner_kind_{name}" for name in ("insert", "update", "actor")]


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)
    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("summits", "0004_person_partner_formats_to_states"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
