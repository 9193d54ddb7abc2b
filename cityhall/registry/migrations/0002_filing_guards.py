"""Database-enforced rule: a house with an active mortgage cannot take an active sale filing.

The duplicates (two active filings, two active first-rank mortgages) are partial unique indexes
in 0001. This rule spans two tables, so it is a trigger. On PostgreSQL both the filing and the
mortgage trigger lock the house row first, so a filing and a mortgage racing for one house are
serialised and the second sees the first; SQLite serialises all writers anyway.
"""

from django.db import migrations

MESSAGE = "house has an active mortgage: release it before filing a sale"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION registry_house_lock() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM registry_house WHERE id = NEW.house_id FOR UPDATE;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION registry_salefiling_guard() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM registry_house WHERE id = NEW.house_id FOR UPDATE;
    IF NEW.status = 'active' AND EXISTS (
        SELECT 1 FROM registry_mortgage WHERE house_id = NEW.house_id AND status = 'active'
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'salefiling_no_active_mortgage';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER registry_salefiling_guard BEFORE INSERT OR UPDATE OF status, house_id
    ON registry_salefiling FOR EACH ROW EXECUTE FUNCTION registry_salefiling_guard();
CREATE TRIGGER registry_mortgage_house_lock BEFORE INSERT OR UPDATE OF status, house_id
    ON registry_mortgage FOR EACH ROW EXECUTE FUNCTION registry_house_lock();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS registry_salefiling_guard ON registry_salefiling;
DROP TRIGGER IF EXISTS registry_mortgage_house_lock ON registry_mortgage;
DROP FUNCTION IF EXISTS registry_salefiling_guard();
DROP FUNCTION IF EXISTS registry_house_lock();
"""
SQLITE_GUARD = """
CREATE TRIGGER registry_salefiling_guard_{event} BEFORE {event} ON registry_salefiling
WHEN NEW.status = 'active' AND EXISTS (
    SELECT 1 FROM registry_mortgage WHERE house_id = NEW.house_id AND status = 'active'
)
BEGIN SELECT RAISE(ABORT, '{message}'); END;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
        return
    for event in ("INSERT", "UPDATE"):
        schema_editor.execute(SQLITE_GUARD.format(event=event, message=MESSAGE))


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
        return
    for event in ("INSERT", "UPDATE"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS registry_salefiling_guard_{event}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
