"""The catalogue's read model: ``SessionSummary`` and ``GatheringSummary`` rows, kept current
by database triggers in the transaction of every write, whoever makes it (the admin, a bulk
insert, an ``update()``, a cascade delete, raw SQL).

A write of tracks or transcripts recomputes the summary of each session it touches (an
aggregate over that session's tracks only), then the summary of each gathering of those
sessions (a sum over its session summaries). A session moved or deleted refreshes its old
gathering; a gathering's row is created with it and deleted with it.

On PostgreSQL (production, tests) the triggers are statement-level with transition tables,
so a bulk insert of 20,000 tracks recomputes each session once; they are made by retreats
0008. SQLite (``make run``) gets row-level triggers with the same rule from here, dropped
before every ``migrate`` and made again after it and after a ``flush`` (its table rebuilds
would drop them), as ``accounts/access_version.py`` does.
"""

# The order of ``languages`` in a summary: that of retreats.models.LANGUAGE_CHOICES.
from .models import LANGUAGE_CODES

_PG_ORDER = "ARRAY[{}]::text[]".format(", ".join(f"'{code}'" for code in LANGUAGE_CODES))
# Track columns whose change moves a summary (an update of anything else costs nothing).
_PG_TRACK_CHANGED = (
    "o.session_id IS DISTINCT FROM n.session_id OR o.duration IS DISTINCT FROM n.duration "
    "OR o.languages IS DISTINCT FROM n.languages OR o.is_practice IS DISTINCT FROM n.is_practice"
)

POSTGRES = [
    f"""
CREATE FUNCTION retreats_refresh_gatherings(ids bigint[]) RETURNS void AS $$
BEGIN
    INSERT INTO retreats_gatheringsummary AS g (
        gathering_id, session_count, track_count, visible_en_count, visible_pt_count,
        visible_en_pt_count, practice_count, transcript_count, duration, languages, changed_at)
    SELECT r.id, count(s.id), coalesce(sum(ss.track_count), 0),
           coalesce(sum(coalesce(nullif(ss.heard_en_count, 0), ss.track_count)), 0),
           coalesce(sum(coalesce(nullif(ss.heard_pt_count, 0), ss.track_count)), 0),
           coalesce(sum(coalesce(nullif(ss.heard_en_pt_count, 0), ss.track_count)), 0),
           coalesce(sum(ss.practice_count), 0), coalesce(sum(ss.transcript_count), 0),
           coalesce(sum(ss.duration), 0),
           coalesce((SELECT jsonb_agg(code ORDER BY array_position({_PG_ORDER}, code))
                       FROM (SELECT DISTINCT jsonb_array_elements_text(s2.languages) AS code
                               FROM retreats_sessionsummary s2
                               JOIN retreats_session x ON x.id = s2.session_id
                              WHERE x.retreat_id = r.id) AS heard), '[]'::jsonb),
           now()
      FROM retreats_retreat r
      LEFT JOIN retreats_session s ON s.retreat_id = r.id
      LEFT JOIN retreats_sessionsummary ss ON ss.session_id = s.id
     WHERE r.id = ANY(ids)
     GROUP BY r.id
    ON CONFLICT (gathering_id) DO UPDATE SET
        session_count = EXCLUDED.session_count, track_count = EXCLUDED.track_count,
        visible_en_count = EXCLUDED.visible_en_count, visible_pt_count = EXCLUDED.visible_pt_count,
        visible_en_pt_count = EXCLUDED.visible_en_pt_count, practice_count = EXCLUDED.practice_count,
        transcript_count = EXCLUDED.transcript_count, duration = EXCLUDED.duration,
        languages = EXCLUDED.languages, changed_at = EXCLUDED.changed_at;
END $$ LANGUAGE plpgsql""",
    f"""
CREATE FUNCTION retreats_refresh_sessions(ids bigint[]) RETURNS void AS $$
BEGIN
    INSERT INTO retreats_sessionsummary AS ss (
        session_id, track_count, heard_en_count, heard_pt_count, heard_en_pt_count,
        practice_count, transcript_count, duration, languages, changed_at)
    SELECT s.id, count(t.id),
           count(t.id) FILTER (WHERE t.languages ? 'en'),
           count(t.id) FILTER (WHERE t.languages ? 'pt'),
           count(t.id) FILTER (WHERE t.languages ?| ARRAY['en', 'pt']),
           count(t.id) FILTER (WHERE t.is_practice),
           count(t.id) FILTER (WHERE EXISTS (SELECT 1 FROM retreats_transcript x WHERE x.track_id = t.id)),
           coalesce(sum(t.duration), 0),
           coalesce((SELECT jsonb_agg(code ORDER BY array_position({_PG_ORDER}, code))
                       FROM (SELECT DISTINCT jsonb_array_elements_text(t2.languages) AS code
                               FROM retreats_track t2 WHERE t2.session_id = s.id) AS heard), '[]'::jsonb),
           now()
      FROM retreats_session s
      LEFT JOIN retreats_track t ON t.session_id = s.id
     WHERE s.id = ANY(ids)
     GROUP BY s.id
    ON CONFLICT (session_id) DO UPDATE SET
        track_count = EXCLUDED.track_count, heard_en_count = EXCLUDED.heard_en_count,
        heard_pt_count = EXCLUDED.heard_pt_count, heard_en_pt_count = EXCLUDED.heard_en_pt_count,
        practice_count = EXCLUDED.practice_count, transcript_count = EXCLUDED.transcript_count,
        duration = EXCLUDED.duration, languages = EXCLUDED.languages, changed_at = EXCLUDED.changed_at;
    PERFORM retreats_refresh_gatherings(
        ARRAY(SELECT DISTINCT retreat_id FROM retreats_session WHERE id = ANY(ids)));
END $$ LANGUAGE plpgsql""",
    # Tracks: the sessions of the rows written (before and after an update).
    f"""
CREATE FUNCTION retreats_track_summaries() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM retreats_refresh_sessions(ARRAY(SELECT DISTINCT session_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM retreats_refresh_sessions(ARRAY(SELECT DISTINCT session_id FROM old_rows));
    ELSE
        PERFORM retreats_refresh_sessions(ARRAY(
            SELECT o.session_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {_PG_TRACK_CHANGED}
            UNION SELECT n.session_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {_PG_TRACK_CHANGED}));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    # Transcripts: the sessions of their tracks (a track already deleted refreshed its own).
    """
CREATE FUNCTION retreats_transcript_summaries() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM retreats_refresh_sessions(ARRAY(
            SELECT DISTINCT t.session_id FROM new_rows n JOIN retreats_track t ON t.id = n.track_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM retreats_refresh_sessions(ARRAY(
            SELECT DISTINCT t.session_id FROM old_rows o JOIN retreats_track t ON t.id = o.track_id));
    ELSE
        PERFORM retreats_refresh_sessions(ARRAY(
            SELECT t.session_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              JOIN retreats_track t ON t.id IN (o.track_id, n.track_id)
             WHERE o.track_id IS DISTINCT FROM n.track_id));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    # Sessions: a new one gets its row; a moved or deleted one refreshes its old gathering.
    """
CREATE FUNCTION retreats_session_summaries() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM retreats_refresh_sessions(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM retreats_sessionsummary WHERE session_id IN (SELECT id FROM old_rows);
        PERFORM retreats_refresh_gatherings(ARRAY(SELECT DISTINCT retreat_id FROM old_rows));
    ELSE
        PERFORM retreats_refresh_gatherings(ARRAY(
            SELECT o.retreat_id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.retreat_id IS DISTINCT FROM n.retreat_id
            UNION SELECT n.retreat_id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.retreat_id IS DISTINCT FROM n.retreat_id));
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """
CREATE FUNCTION retreats_gathering_summaries() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM retreats_refresh_gatherings(ARRAY(SELECT id FROM new_rows));
    ELSE
        DELETE FROM retreats_gatheringsummary WHERE gathering_id IN (SELECT id FROM old_rows);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
]

# (table, function, events): transition tables allow one event per trigger.
_PG_TRIGGERS = (
    ("retreats_track", "retreats_track_summaries", ("insert", "update", "delete")),
    ("retreats_transcript", "retreats_transcript_summaries", ("insert", "update", "delete")),
    ("retreats_session", "retreats_session_summaries", ("insert", "update", "delete")),
    ("retreats_retreat", "retreats_gathering_summaries", ("insert", "delete")),
)
_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}
POSTGRES += [
    f"CREATE TRIGGER {table}_summaries_{event} AFTER {event.upper()} ON {table} "
    f"{_REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    for table, function, events in _PG_TRIGGERS
    for event in events
]
# The rows of what exists already.
POSTGRES_BACKFILL = [
    "SELECT retreats_refresh_gatherings(ARRAY(SELECT id FROM retreats_retreat))",
    "SELECT retreats_refresh_sessions(ARRAY(SELECT id FROM retreats_session))",
]

POSTGRES_REVERSE = [
    *(
        f"DROP TRIGGER {table}_summaries_{event} ON {table}"
        for table, _function, events in _PG_TRIGGERS
        for event in events
    ),
    *(f"DROP FUNCTION {function}()" for _table, function, _events in _PG_TRIGGERS),
    "DROP FUNCTION retreats_refresh_sessions(bigint[])",
    "DROP FUNCTION retreats_refresh_gatherings(bigint[])",
]


# --- SQLite (``make run``): row-level triggers, the same rule ---------------------------

PREFIX = "catalogue_summary_"
_SQLITE_ORDER = "instr(',{},', ',' || {{}} || ',')".format(",".join(LANGUAGE_CODES))
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _sqlite_heard(column: str, codes: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{code}'" for code in codes)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({listed}))"


def _sqlite_refresh_session(session_id: str) -> str:
    """SQL that recomputes the summary of the session ``session_id`` (an SQL expression)."""
    return f"""
INSERT OR REPLACE INTO retreats_sessionsummary (
    session_id, track_count, heard_en_count, heard_pt_count, heard_en_pt_count,
    practice_count, transcript_count, duration, languages, changed_at)
SELECT s.id, count(t.id),
       coalesce(sum({_sqlite_heard("t.languages", ("en",))}), 0),
       coalesce(sum({_sqlite_heard("t.languages", ("pt",))}), 0),
       coalesce(sum({_sqlite_heard("t.languages", ("en", "pt"))}), 0),
       coalesce(sum(t.is_practice), 0),
       coalesce(sum(EXISTS (SELECT 1 FROM retreats_transcript x WHERE x.track_id = t.id)), 0),
       coalesce(sum(t.duration), 0),
       (SELECT json_group_array(code) FROM (
            SELECT DISTINCT j.value AS code FROM retreats_track t2, json_each(t2.languages) j
             WHERE t2.session_id = s.id ORDER BY {_SQLITE_ORDER.format("j.value")})),
       {_SQLITE_NOW}
  FROM retreats_session s LEFT JOIN retreats_track t ON t.session_id = s.id
 WHERE s.id = {session_id}
 GROUP BY s.id;"""


def _sqlite_refresh_gathering(gathering_id: str) -> str:
    return f"""
INSERT OR REPLACE INTO retreats_gatheringsummary (
    gathering_id, session_count, track_count, visible_en_count, visible_pt_count,
    visible_en_pt_count, practice_count, transcript_count, duration, languages, changed_at)
SELECT r.id, count(s.id), coalesce(sum(ss.track_count), 0),
       coalesce(sum(coalesce(nullif(ss.heard_en_count, 0), ss.track_count)), 0),
       coalesce(sum(coalesce(nullif(ss.heard_pt_count, 0), ss.track_count)), 0),
       coalesce(sum(coalesce(nullif(ss.heard_en_pt_count, 0), ss.track_count)), 0),
       coalesce(sum(ss.practice_count), 0), coalesce(sum(ss.transcript_count), 0),
       coalesce(sum(ss.duration), 0),
       (SELECT json_group_array(code) FROM (
            SELECT DISTINCT j.value AS code FROM retreats_sessionsummary s2
              JOIN retreats_session x ON x.id = s2.session_id, json_each(s2.languages) j
             WHERE x.retreat_id = r.id ORDER BY {_SQLITE_ORDER.format("j.value")})),
       {_SQLITE_NOW}
  FROM retreats_retreat r
  LEFT JOIN retreats_session s ON s.retreat_id = r.id
  LEFT JOIN retreats_sessionsummary ss ON ss.session_id = s.id
 WHERE r.id = {gathering_id}
 GROUP BY r.id;"""


def _sqlite_refresh(session_id: str) -> str:
    """A session's summary, then its gathering's."""
    return _sqlite_refresh_session(session_id) + _sqlite_refresh_gathering(
        f"(SELECT retreat_id FROM retreats_session WHERE id = {session_id})"
    )


def _sqlite_triggers() -> list[tuple[str, str]]:
    session_of = "(SELECT session_id FROM retreats_track WHERE id = {}.track_id)"
    return [
        (f"{PREFIX}track_insert", f"AFTER INSERT ON retreats_track BEGIN {_sqlite_refresh('NEW.session_id')} END"),
        (
            f"{PREFIX}track_update",
            "AFTER UPDATE OF session_id, duration, languages, is_practice ON retreats_track BEGIN "
            f"{_sqlite_refresh('OLD.session_id')} {_sqlite_refresh('NEW.session_id')} END",
        ),
        (f"{PREFIX}track_delete", f"AFTER DELETE ON retreats_track BEGIN {_sqlite_refresh('OLD.session_id')} END"),
        (
            f"{PREFIX}transcript_insert",
            f"AFTER INSERT ON retreats_transcript BEGIN {_sqlite_refresh(session_of.format('NEW'))} END",
        ),
        (
            f"{PREFIX}transcript_update",
            "AFTER UPDATE OF track_id ON retreats_transcript BEGIN "
            f"{_sqlite_refresh(session_of.format('OLD'))} {_sqlite_refresh(session_of.format('NEW'))} END",
        ),
        (
            f"{PREFIX}transcript_delete",
            f"AFTER DELETE ON retreats_transcript BEGIN {_sqlite_refresh(session_of.format('OLD'))} END",
        ),
        (f"{PREFIX}session_insert", f"AFTER INSERT ON retreats_session BEGIN {_sqlite_refresh('NEW.id')} END"),
        (
            f"{PREFIX}session_update",
            "AFTER UPDATE OF retreat_id ON retreats_session BEGIN "
            f"{_sqlite_refresh_gathering('OLD.retreat_id')} {_sqlite_refresh_gathering('NEW.retreat_id')} END",
        ),
        (
            f"{PREFIX}session_delete",
            "AFTER DELETE ON retreats_session BEGIN "
            "DELETE FROM retreats_sessionsummary WHERE session_id = OLD.id; "
            f"{_sqlite_refresh_gathering('OLD.retreat_id')} END",
        ),
        (
            f"{PREFIX}gathering_insert",
            f"AFTER INSERT ON retreats_retreat BEGIN {_sqlite_refresh_gathering('NEW.id')} END",
        ),
        (
            f"{PREFIX}gathering_delete",
            "AFTER DELETE ON retreats_retreat BEGIN "
            "DELETE FROM retreats_gatheringsummary WHERE gathering_id = OLD.id; END",
        ),
    ]


def sqlite_drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


def sqlite_create_triggers(connection) -> None:
    """The triggers, once the summary tables exist; then every summary recomputed (cheap on a
    developer's catalogue, and it repairs what was written while they were dropped)."""
    if "retreats_gatheringsummary" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for name, body in _sqlite_triggers():
            cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')
        for statement in (
            _sqlite_refresh_session("s.id").replace("WHERE s.id = s.id", "WHERE 1"),
            _sqlite_refresh_gathering("r.id").replace("WHERE r.id = r.id", "WHERE 1"),
        ):
            cursor.execute(statement)
