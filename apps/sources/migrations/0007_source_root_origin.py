"""Source.root_origin: the independent origin a source's origin chain ends at, stored once per source so the
counts of independent origins (apps.sources.corroboration) join it instead of walking every citation's
chain (issue 24: the per-citation recursive walk cost the list CSVs most of their speed, docs/benchmarks.md).

The database keeps it, on PostgreSQL and SQLite alike, whatever writes `origin` (the API, the admin, the seed,
loaddata, a bulk update, raw SQL): a write of a source's origin (or of root_origin itself) sets the row's root
from its chain and passes the new root down to every source that republishes it, directly or not. A chain
that comes back to the source written is refused there too (`source_origin_cycle`); Source.clean() answers the
same case first, as a 400 naming `origin`.
"""

import django.db.models.deletion
from django.db import migrations, models

CYCLE = "source_origin_cycle"

# The source NEW's chain ends at (NULL when NEW republishes nothing); UNION, so a cycle ends the walk.
ROOT_OF_NEW = (
    "(WITH RECURSIVE up(id, origin_id) AS (SELECT id, origin_id FROM sources_source WHERE id = NEW.origin_id "
    "UNION SELECT s.id, s.origin_id FROM sources_source s JOIN up ON s.id = up.origin_id) "
    "SELECT id FROM up WHERE origin_id IS NULL)"
)
# Whether NEW's chain comes back to NEW.
CHAIN_RETURNS_TO_NEW = (
    "EXISTS (WITH RECURSIVE up(id) AS (SELECT NEW.origin_id UNION SELECT s.origin_id FROM sources_source s "
    "JOIN up ON s.id = up.id WHERE s.origin_id IS NOT NULL) SELECT 1 FROM up WHERE id = NEW.id)"
)
# Every source that republishes NEW, directly or through others.
REPUBLICATIONS_OF_NEW = (
    "(WITH RECURSIVE down(id) AS (SELECT id FROM sources_source WHERE origin_id = NEW.id "
    "UNION SELECT s.id FROM sources_source s JOIN down ON s.origin_id = down.id) SELECT id FROM down)"
)
# NEW's independent origin as stored: its root, or NEW itself.
STORED_ROOT_OF_NEW = "(SELECT coalesce(root_origin_id, id) FROM sources_source WHERE id = NEW.id)"

POSTGRESQL = [
    f"""CREATE FUNCTION sources_source_root_origin() RETURNS trigger AS $$
BEGIN
  IF NEW.origin_id IS NOT NULL AND {CHAIN_RETURNS_TO_NEW} THEN
    RAISE EXCEPTION '{CYCLE}' USING ERRCODE = 'check_violation';
  END IF;
  NEW.root_origin_id := {ROOT_OF_NEW};
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER sources_source_root_origin BEFORE INSERT OR UPDATE OF origin_id, root_origin_id
  ON sources_source FOR EACH ROW EXECUTE FUNCTION sources_source_root_origin()""",
    f"""CREATE FUNCTION sources_source_root_origin_down() RETURNS trigger AS $$
BEGIN
  UPDATE sources_source SET root_origin_id = {STORED_ROOT_OF_NEW}
    WHERE id IN {REPUBLICATIONS_OF_NEW} AND root_origin_id IS DISTINCT FROM {STORED_ROOT_OF_NEW};
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER sources_source_root_origin_down AFTER UPDATE OF origin_id ON sources_source
  FOR EACH ROW EXECUTE FUNCTION sources_source_root_origin_down()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS sources_source_root_origin_down ON sources_source",
    "DROP FUNCTION IF EXISTS sources_source_root_origin_down()",
    "DROP TRIGGER IF EXISTS sources_source_root_origin ON sources_source",
    "DROP FUNCTION IF EXISTS sources_source_root_origin()",
]
# SQLite's triggers cannot change NEW: they run after the row is written and update it, then its republications
# (each row's triggers run right after the row, so a bulk update ends with every root right, in any order).
SQLITE = [
    f"""CREATE TRIGGER sources_source_root_origin_{name} AFTER {when} ON sources_source
  BEGIN
    SELECT RAISE(ABORT, '{CYCLE}') WHERE NEW.origin_id IS NOT NULL AND {CHAIN_RETURNS_TO_NEW};
    UPDATE sources_source SET root_origin_id = {ROOT_OF_NEW}
      WHERE id = NEW.id AND root_origin_id IS NOT {ROOT_OF_NEW};
    UPDATE sources_source SET root_origin_id = {STORED_ROOT_OF_NEW}
      WHERE id IN {REPUBLICATIONS_OF_NEW} AND root_origin_id IS NOT {STORED_ROOT_OF_NEW};
  END"""
    for name, when in (("insert", "INSERT"), ("update", "UPDATE OF origin_id, root_origin_id"))
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS sources_source_root_origin_{name}" for name in ("insert", "update")]


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql)

    return apply


def roots_of_existing_sources(apps, schema_editor):
    """Rewriting each republication's origin fires the triggers, which set its root."""
    schema_editor.execute("UPDATE sources_source SET origin_id = origin_id WHERE origin_id IS NOT NULL")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_source_full_text_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="root_origin",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The independent origin: the source at the end of this one's origin chain (empty when "
                "this source republishes nothing). Kept by the database on every write of `origin`, whatever "
                "makes it (triggers of migration 0007): read by the counts of independent origins, never "
                "written by hand.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sources.source",
            ),
        ),
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
        migrations.RunPython(roots_of_existing_sources, migrations.RunPython.noop),
    ]
