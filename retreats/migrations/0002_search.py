"""Full-text search: stored tsvectors on tracks and transcript pages, accent-folding text
search configurations and GIN indexes.

The configurations and indexes exist on PostgreSQL only; on SQLite the two columns are plain
nullable fields that nothing reads (search falls back to substring matching there).
``unaccent()`` is STABLE, not IMMUTABLE, so it is never called in an index expression: the
configurations send words through the ``unaccent`` dictionary and then the stemmer.
"""

import django.contrib.postgres.search
from django.db import migrations, models

# language of the content -> (configuration we create, configuration it copies, stemmer)
CONFIGURATIONS = [
    ("padmakara_en", "english", "english_stem"),
    ("padmakara_pt", "portuguese", "portuguese_stem"),
    ("padmakara_simple", "simple", "simple"),
]


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite, the embedded default)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _create_configuration(name: str, copy: str, stemmer: str) -> str:
    # CREATE TEXT SEARCH CONFIGURATION has no IF NOT EXISTS.
    return f"""
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}'
                       AND cfgnamespace = current_schema()::regnamespace) THEN
            CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{copy});
        END IF;
    END $$;
    ALTER TEXT SEARCH CONFIGURATION {name}
        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer};
    """


# Stemmers are not idempotent: "compassionate" stems to 'compassion' while the word
# "compassion" stems to 'compass'. The search query therefore lets each of its lexemes also
# match the stem of that lexeme, so "compassionate" finds "compassion". STABLE (it reads the
# configuration), called once per statement through a scalar subquery. Returns NULL, which
# matches nothing, when the words leave nothing to look for.
SEARCH_QUERY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION padmakara_search_query(config regconfig, words text) RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    result tsquery := websearch_to_tsquery(config, words);
    lexeme text;
    restemmed text;
BEGIN
    FOR lexeme IN SELECT DISTINCT unnest(tsvector_to_array(to_tsvector(config, words))) LOOP
        CONTINUE WHEN position(E'\\' IN lexeme) > 0;
        restemmed := (tsvector_to_array(to_tsvector(config, lexeme)))[1];
        IF restemmed IS NOT NULL AND restemmed <> lexeme THEN
            result := ts_rewrite(
                result,
                quote_literal(lexeme)::tsquery,
                (quote_literal(lexeme) || ' | ' || quote_literal(restemmed))::tsquery
            );
        END IF;
    END LOOP;
    -- Nothing to look for (only stop words or punctuation, or only exclusions such as
    -- "-anger", which would match nearly every row without an index): match nothing.
    IF querytree(result) = 'T' THEN
        RETURN NULL;
    END IF;
    RETURN result;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("retreats", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="track",
            name="search_hash",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="track",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="transcriptpage",
            name="search_hash",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="transcriptpage",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        # The extension stays on reversal: other schemas or apps may use it.
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS unaccent;", reverse_sql=migrations.RunSQL.noop),
        *(
            PostgresOnlySQL(
                _create_configuration(name, copy, stemmer),
                reverse_sql=f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name};",
            )
            for name, copy, stemmer in CONFIGURATIONS
        ),
        # Page text out of line: a search reads the heap rows of every matching page, and
        # only the 20 pages shown need their text (for highlights). 133 MB of heap become
        # 5 MB for the 40,000 pages of the benchmark.
        PostgresOnlySQL(
            "ALTER TABLE retreats_transcriptpage ALTER COLUMN text SET STORAGE EXTERNAL;",
            reverse_sql="ALTER TABLE retreats_transcriptpage ALTER COLUMN text SET STORAGE EXTENDED;",
        ),
        PostgresOnlySQL(
            SEARCH_QUERY_FUNCTION,
            reverse_sql="DROP FUNCTION IF EXISTS padmakara_search_query(regconfig, text);",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS retreats_track_search_gin ON retreats_track USING gin (search_vector) WITH (fastupdate = off);",
            reverse_sql="DROP INDEX IF EXISTS retreats_track_search_gin;",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS retreats_page_search_gin ON retreats_transcriptpage USING gin (search_vector) WITH (fastupdate = off);",
            reverse_sql="DROP INDEX IF EXISTS retreats_page_search_gin;",
        ),
    ]
