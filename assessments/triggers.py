"""A database trigger that refuses to change a round's questionnaire once the round has opened.

Answers point at questions of one questionnaire version; swapping the version under an opened
round would leave them scoring questions the round no longer asks. A check constraint cannot
compare old and new values, so this is a trigger, written for each database we run on.

SQLite drops a table's triggers when Django rebuilds the table (which it does for many
ALTER TABLE operations), so every migration that changes assessments_round must call
create_trigger again on SQLite; test_models.py fails if one forgets.
"""

MESSAGE = "the questionnaire of a round is fixed once the round has opened"

POSTGRESQL_CREATE = [
    f"""
CREATE FUNCTION assessments_round_questionnaire_fixed() RETURNS trigger AS $$
BEGIN
    IF NEW.questionnaire_id <> OLD.questionnaire_id
       AND (OLD.status <> 'draft' OR OLD.opened_at IS NOT NULL) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER assessments_round_questionnaire_fixed
    BEFORE UPDATE OF questionnaire_id ON assessments_round
    FOR EACH ROW EXECUTE FUNCTION assessments_round_questionnaire_fixed()
""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS assessments_round_questionnaire_fixed ON assessments_round",
    "DROP FUNCTION IF EXISTS assessments_round_questionnaire_fixed()",
]
SQLITE_CREATE = [
    f"""
CREATE TRIGGER assessments_round_questionnaire_fixed
    BEFORE UPDATE OF questionnaire_id ON assessments_round
    FOR EACH ROW
    WHEN NEW.questionnaire_id <> OLD.questionnaire_id
         AND (OLD.status <> 'draft' OR OLD.opened_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END
"""
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS assessments_round_questionnaire_fixed"]

SQL = {
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
}


def create_trigger(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][0]:
        schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][1]:
        schema_editor.execute(statement)


def recreate_on_sqlite(apps, schema_editor):
    """For migrations that rebuild assessments_round on SQLite (see the module docstring)."""
    if schema_editor.connection.vendor == "sqlite":
        drop_trigger(apps, schema_editor)
        create_trigger(apps, schema_editor)
