"""Full-text structures for the engine in use (the model does not declare them).

SQLite: an external-content FTS5 table over the token columns, kept in step by
triggers, with prefix indexes for one- and two-character prefixes (queries of one
Chinese character, short pinyin initials). A later migration that makes SQLite rebuild ``search_document`` (most
``AlterField``s do) drops these triggers: run this migration's SQL again after it.

PostgreSQL: a stored generated ``tsvector`` ('simple' configuration over the
jieba-segmented tokens; weight A title and pinyin, B summary and lecturer/topic/tags,
C body) with a GIN index.
"""

from django.db import migrations

FTS_COLUMNS = "title_tokens, pinyin_tokens, summary_tokens, meta_tokens, body_tokens"
_NEW = ", ".join(f"new.{c.strip()}" for c in FTS_COLUMNS.split(","))
_OLD = ", ".join(f"old.{c.strip()}" for c in FTS_COLUMNS.split(","))

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE search_document_fts USING fts5(
        {FTS_COLUMNS}, content='search_document', content_rowid='id',
        tokenize='unicode61', prefix='1 2')""",
    f"""CREATE TRIGGER search_document_fts_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO search_document_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW});
    END""",  # noqa: S608 - quoted tokens and fixed SQL only
    f"""CREATE TRIGGER search_document_fts_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, {_OLD});
    END""",  # noqa: S608 - quoted tokens and fixed SQL only
    f"""CREATE TRIGGER search_document_fts_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, {_OLD});
        INSERT INTO search_document_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {_NEW});
    END""",  # noqa: S608 - quoted tokens and fixed SQL only
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_fts_au",
    "DROP TRIGGER IF EXISTS search_document_fts_ad",
    "DROP TRIGGER IF EXISTS search_document_fts_ai",
    "DROP TABLE IF EXISTS search_document_fts",
]

POSTGRES_FORWARD = [
    """ALTER TABLE search_document ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig,
            coalesce(title_tokens, '') || ' ' || coalesce(pinyin_tokens, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig,
            coalesce(summary_tokens, '') || ' ' || coalesce(meta_tokens, '')), 'B')
        || setweight(to_tsvector('simple'::regconfig, coalesce(body_tokens, '')), 'C')
    ) STORED""",
    "CREATE INDEX search_document_vector ON search_document USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"search: no full-text support for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
