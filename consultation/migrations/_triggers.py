"""SQL of the triggers that keep a position's draft in its reply's circular.

Shared by the migrations (a module starting with "_" is not a migration). On SQLite, a
migration that rebuilds one of the three tables must drop these first and create them again
after (`sqlite_drop`, `sqlite_create`), since SQLite checks triggers while renaming tables.
"""

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION consultation_position_same_circular() RETURNS trigger AS $$
BEGIN
  IF (SELECT circular_id FROM consultation_draftrecommendation WHERE id = NEW.draft_id)
     IS DISTINCT FROM (SELECT circular_id FROM consultation_reply WHERE id = NEW.reply_id) THEN
    RAISE EXCEPTION 'position_draft_same_circular: draft % is not in the circular of reply %',
      NEW.draft_id, NEW.reply_id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER consultation_position_same_circular
BEFORE INSERT OR UPDATE OF draft_id, reply_id ON consultation_replyposition
FOR EACH ROW EXECUTE FUNCTION consultation_position_same_circular();

CREATE OR REPLACE FUNCTION consultation_circular_fixed_with_positions() RETURNS trigger AS $$
BEGIN
  IF NEW.circular_id IS DISTINCT FROM OLD.circular_id AND EXISTS (
       SELECT 1 FROM consultation_replyposition p
       WHERE (TG_TABLE_NAME = 'consultation_reply' AND p.reply_id = OLD.id)
          OR (TG_TABLE_NAME = 'consultation_draftrecommendation' AND p.draft_id = OLD.id)) THEN
    RAISE EXCEPTION 'position_draft_same_circular: % % has positions; its circular cannot change',
      TG_TABLE_NAME, OLD.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER consultation_reply_circular_fixed
BEFORE UPDATE OF circular_id ON consultation_reply
FOR EACH ROW EXECUTE FUNCTION consultation_circular_fixed_with_positions();

CREATE TRIGGER consultation_draft_circular_fixed
BEFORE UPDATE OF circular_id ON consultation_draftrecommendation
FOR EACH ROW EXECUTE FUNCTION consultation_circular_fixed_with_positions();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS consultation_position_same_circular ON consultation_replyposition;
DROP TRIGGER IF EXISTS consultation_reply_circular_fixed ON consultation_reply;
DROP TRIGGER IF EXISTS consultation_draft_circular_fixed ON consultation_draftrecommendation;
DROP FUNCTION IF EXISTS consultation_position_same_circular();
DROP FUNCTION IF EXISTS consultation_circular_fixed_with_positions();
"""

_SQLITE_MISMATCH = """
(SELECT circular_id FROM consultation_draftrecommendation WHERE id = NEW.draft_id)
IS NOT (SELECT circular_id FROM consultation_reply WHERE id = NEW.reply_id)
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER consultation_position_same_circular_ins
    BEFORE INSERT ON consultation_replyposition WHEN {_SQLITE_MISMATCH}
    BEGIN SELECT RAISE(ABORT, 'position_draft_same_circular: draft not in the reply''s circular'); END;""",
    f"""CREATE TRIGGER consultation_position_same_circular_upd
    BEFORE UPDATE OF draft_id, reply_id ON consultation_replyposition WHEN {_SQLITE_MISMATCH}
    BEGIN SELECT RAISE(ABORT, 'position_draft_same_circular: draft not in the reply''s circular'); END;""",
    """CREATE TRIGGER consultation_reply_circular_fixed
    BEFORE UPDATE OF circular_id ON consultation_reply
    WHEN NEW.circular_id IS NOT OLD.circular_id
     AND EXISTS (SELECT 1 FROM consultation_replyposition WHERE reply_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'position_draft_same_circular: reply has positions'); END;""",
    """CREATE TRIGGER consultation_draft_circular_fixed
    BEFORE UPDATE OF circular_id ON consultation_draftrecommendation
    WHEN NEW.circular_id IS NOT OLD.circular_id
     AND EXISTS (SELECT 1 FROM consultation_replyposition WHERE draft_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'position_draft_same_circular: draft has positions'); END;""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS consultation_position_same_circular_ins;",
    "DROP TRIGGER IF EXISTS consultation_position_same_circular_upd;",
    "DROP TRIGGER IF EXISTS consultation_reply_circular_fixed;",
    "DROP TRIGGER IF EXISTS consultation_draft_circular_fixed;",
]


def _run(schema_editor, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres, params=None)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement, params=None)
    else:
        raise NotImplementedError(f"no position trigger for database vendor {vendor!r}")


def forward(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


def reverse(apps, schema_editor) -> None:
    _run(schema_editor, POSTGRES_REVERSE, SQLITE_REVERSE)




def sqlite_drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement, params=None)


def sqlite_create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
