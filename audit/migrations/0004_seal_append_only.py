"""Make the seal table append-only too (issue 8, item 3): UPDATE and DELETE are refused.

Until now only the event table refused them, so a row could be altered, the seals from it onward
deleted, and the next sealing run would seal the altered row as if nothing had happened. The
function is the one migration 0002 created; it is re-created here so this migration stands alone.
The audit app is in both app lists, so the (unused) seal table of each force schema gets the
trigger too. TRUNCATE stays with the table owner, as for the event table.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_auditseal;
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_auditseal;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_search_indexes")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
