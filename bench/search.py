"""Benchmark: our database search backend against a naive ``icontains`` baseline.

    make bench-search            # or: python bench/search.py [--docs N]

In a throw-away SQLite file (and a throw-away PostgreSQL database when PostgreSQL
answers at BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres):

1. load the demo content and its synonym dictionary and index it; nDCG@10 of
   ours and of the baseline, and our hit rate at 10, over
   tests/data/search_eval.json;
2. add a generated corpus of N Chinese documents (default 100,000; words drawn by
   frequency from jieba's dictionary plus the demo vocabulary), segmented once
   and loaded into each engine (progress bars on stderr);
3. time the same queries (the eval queries and sampled dictionary words) with
   ours (count, facets, ranked page, highlights: what the API does), with the
   bare engine over the same index (the query's jieba words, quoted, ANDed, no
   folding, synonyms, pinyin, visibility or highlights: FTS5 ``MATCH`` on
   SQLite, ``@@ to_tsquery('simple', …)`` on the stored ``search_vector`` on
   PostgreSQL; count and the first ranked page) and with the baseline
   (icontains over the text fields: count and first page), interleaved;
4. time as-you-type suggestions (the first one to three characters, or pinyin
   letters, of every eval query) with ours (``suggest``) and the bare engine (a
   prefix query on the title columns, eight titles).

Each query is timed ``--repeat`` times (default 3) on each side, interleaved, and
counts with its median: on a shared machine a single timing is as much the load
as the query. ``bare_ratio`` is ours p95 / bare p95 (search), ``suggest_bare_ratio``
the same for suggestions; ``index_docs_per_s`` is the indexing rate of the generated corpus
(already segmented: the rate of writing rows into the engine).

The last line is one JSON object; its headline figures are those of the engine
with the lower ratio (the conservative one), per-engine figures are under
"engines". Everything it creates is dropped at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "dangke_bench_search"
TIME_BUDGET_S = 120  # per engine, for the timed queries


def _setup_django(sqlite_path: Path, postgres_url: str | None) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    os.environ["DEBUG"] = "0"  # no query log growing with 100,000 inserts
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # nothing left in a broker
    os.environ["SEARCH_BACKEND"] = "database"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
    from django.conf import settings

    from dangke import settings as project_settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if postgres_url:
        settings.DATABASES["pg"] = project_settings._database(postgres_url)
    import django

    django.setup()


def _postgres_admin_url() -> str:
    return os.environ.get(
        "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        _postgres_admin_url(), autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(sql)


def _vocabulary() -> tuple[list[str], list[float]]:
    from cms import demo_data
    from search import text

    freq = text.tokenizer().FREQ
    common = sorted(
        (
            (word, count)
            for word, count in freq.items()
            if count > 0 and 1 < len(word) < 5 and text._is_cjk_word(word)
        ),
        key=lambda item: -item[1],
    )[:40_000]
    words = [word for word, _ in common]
    weights = [count**0.7 for _, count in common]
    demo_words = set()
    for lesson in demo_data.LESSONS:
        demo_words.update(text.segment(lesson[1] + lesson[3]).split())
    for word in sorted(w for w in demo_words if text._is_cjk_word(w)):
        words.append(word)
        weights.append(statistics.median(weights))
    return words, weights


def _generate(count: int, seed: int = 20261121):
    """Deterministic generated documents (IndexDocument) in the demo's shape."""
    from search.backends.base import KINDS, IndexDocument

    rng = random.Random(seed)
    words, weights = _vocabulary()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "明华建国丽强红军志伟芳秀英敏静涛军洋艳勇杰娟磊"
    lecturers = [
        rng.choice(surnames) + "".join(rng.choices(given, k=2)) for _ in range(300)
    ]
    topics = [
        (f"bench-topic-{i}", "".join(rng.choices(words[:3000], k=3)) + "专题")
        for i in range(40)
    ]

    cumulative = list(itertools.accumulate(weights))

    def phrase(k: int) -> str:
        return "".join(rng.choices(words, cum_weights=cumulative, k=k))

    for number in range(count):
        kind = rng.choice(KINDS)
        yield IndexDocument(
            key=f"bench:{number}",
            kind=kind,
            ref=f"{kind}:bench-{number}",
            object_id=1_000_000 + number,
            title=phrase(rng.randint(2, 4)),
            summary="，".join(phrase(rng.randint(4, 7)) for _ in range(2)) + "。",
            body="。".join(phrase(rng.randint(6, 10)) for _ in range(4)) + "。",
            lecturers=(rng.choice(lecturers),),
            topics=(rng.choice(topics),) if rng.random() < 0.6 else (),
            tags=tuple(rng.choices(words[:2000], k=2)),
            year=rng.randint(2019, 2026),
            detail_url=f"/api/v3/pages/{1_000_000 + number}/",
        )


def _naive(alias: str, query: str) -> list[str]:
    from django.db.models import Q

    from search.models import SearchDocument

    condition = Q()
    for field in ("title", "summary", "body", "lecturers", "tags"):
        condition |= Q(**{f"{field}__icontains": query})
    queryset = SearchDocument.objects.using(alias).filter(condition)
    queryset.count()
    return list(queryset.order_by("pk").values_list("ref", flat=True)[:10])


def _visible(demo_docs, rows):
    """Every document the bench indexes may be seen; the query-time visibility
    filter still runs, as it does for the API."""
    from search.backends.base import Visibility

    kinds_ids = [(doc.kind, doc.object_id) for doc in demo_docs] + [
        (fields["kind"], fields["object_id"]) for fields, _ in rows
    ]
    return Visibility(
        page_ids=frozenset(i for kind, i in kinds_ids if kind != "lecturer"),
        lecturer_ids=frozenset(i for kind, i in kinds_ids if kind == "lecturer"),
    )


def _ours(backend, query: str, visible) -> list[str]:
    from search.backends.base import SearchQuery

    results = backend.search(SearchQuery(text=query), visible=visible)
    return [hit.ref for hit in results.hits]


def _bare_words(query: str) -> list[str]:
    """The query's words as jieba cuts them, nothing else done to them."""
    from search import text

    return [
        word
        for word in text.tokenizer().lcut(query)
        if word.strip() and any(char.isalnum() for char in word)
    ]


def _bare_search(alias: str, vendor: str, words: list[str]) -> list[int]:
    """The engine's own full-text query: count and the first ranked page."""
    from django.db import connections

    if not words:
        return []
    with connections[alias].cursor() as cursor:
        if vendor == "sqlite":
            match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
            cursor.execute(
                "SELECT count(*) FROM search_document_fts "
                "WHERE search_document_fts MATCH %s",
                [match],
            )
            cursor.fetchone()
            cursor.execute(
                "SELECT rowid FROM search_document_fts "
                "WHERE search_document_fts MATCH %s "
                "ORDER BY bm25(search_document_fts) LIMIT 10",
                [match],
            )
        else:
            tsquery = " & ".join(
                "'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words
            )
            cursor.execute(
                "SELECT count(*) FROM search_document "
                "WHERE search_vector @@ to_tsquery('simple', %s)",
                [tsquery],
            )
            cursor.fetchone()
            cursor.execute(
                "SELECT id FROM search_document "
                "WHERE search_vector @@ to_tsquery('simple', %s) "
                "ORDER BY ts_rank(search_vector, to_tsquery('simple', %s)) DESC "
                "LIMIT 10",
                [tsquery, tsquery],
            )
        return [row[0] for row in cursor.fetchall()]


def _bare_suggest(alias: str, vendor: str, words: list[str]) -> list[int]:
    """The engine's own prefix query on the title columns: eight titles."""
    from django.db import connections

    if not words:
        return []
    with connections[alias].cursor() as cursor:
        if vendor == "sqlite":
            match = " AND ".join(
                '{title_tokens pinyin_tokens} : "' + w.replace('"', '""') + '"*'
                for w in words
            )
            cursor.execute(
                "SELECT d.title FROM search_document_fts "
                "JOIN search_document d ON d.id = search_document_fts.rowid "
                "WHERE search_document_fts MATCH %s "
                "ORDER BY bm25(search_document_fts) LIMIT 8",
                [match],
            )
        else:
            tsquery = " & ".join(
                "'" + w.replace("\\", "\\\\").replace("'", "''") + "':*A" for w in words
            )
            cursor.execute(
                "SELECT title FROM search_document "
                "WHERE search_vector @@ to_tsquery('simple', %s) "
                "ORDER BY ts_rank(search_vector, to_tsquery('simple', %s)) DESC "
                "LIMIT 8",
                [tsquery, tsquery],
            )
        return [row[0] for row in cursor.fetchall()]


def _prefixes(judgments) -> list[str]:
    """What a member has typed when the suggestions show: the first one to three
    characters (a CJK query) or two to four letters (pinyin) of each query."""
    prefixes = []
    for item in judgments:
        query = item["query"].strip()
        if not query:
            continue
        cut = 2 if query[0].isascii() else 1
        for extra in range(3):
            prefix = query[: cut + extra].strip()
            if prefix and prefix not in prefixes:
                prefixes.append(prefix)
    return prefixes


REPEAT = 3  # timings of each query on each side (``--repeat``); the median counts


def _timed_ms(run, *args, **kwargs) -> float:
    started = time.perf_counter()
    run(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def _timed_sides(sides) -> list[float]:
    """The median of ``REPEAT`` timings of each ``(run, args, kwargs)``, taken in
    turn, so a burst of load falls on both sides alike."""
    timings: list[list[float]] = [[] for _ in sides]
    for _ in range(REPEAT):
        for timing, (run, args, kwargs) in zip(timings, sides, strict=True):
            timing.append(_timed_ms(run, *args, **kwargs))
    return [statistics.median(timing) for timing in timings]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _load_rows(alias: str, rows, label: str) -> float:
    from django.db import transaction

    from dangke.progress import ProgressBar
    from search.backends.database import DatabaseBackend
    from search.models import SearchDocument, SearchFacetValue

    backend = DatabaseBackend(using=alias)
    bar = ProgressBar(len(rows), label)
    started = time.perf_counter()
    with transaction.atomic(using=alias):
        for start in range(0, len(rows), 2000):
            batch = [
                (
                    SearchDocument(**row),
                    [SearchFacetValue(**value) for value in values],
                )
                for row, values in rows[start : start + 2000]
            ]
            backend._insert(batch)
            bar.advance(len(batch))
    if backend.vendor == "postgresql":
        with transaction.atomic(using=alias):
            from django.db import connections

            with connections[alias].cursor() as cursor:
                cursor.execute("ANALYZE search_document")
                cursor.execute("ANALYZE search_document_facet")
    return time.perf_counter() - started


def _engine(alias: str, demo_docs, rows, queries, judgments, prefixes) -> dict:
    from search.backends.database import DatabaseBackend
    from search.evaluation import mean_ndcg

    backend = DatabaseBackend(using=alias)
    backend.rebuild(demo_docs)
    visible = _visible(demo_docs, rows)
    from search.evaluation import hit_rate

    ours_ndcg, _ = mean_ndcg(lambda q: _ours(backend, q, visible), judgments)
    naive_ndcg, _ = mean_ndcg(lambda q: _naive(alias, q), judgments)
    ours_hits, _ = hit_rate(lambda q: _ours(backend, q, visible), judgments)
    index_s = _load_rows(alias, rows, f"索引 {backend.vendor}")
    for query in queries[:5]:  # warm caches
        _ours(backend, query, visible)
        _naive(alias, query)
    vendor = backend.vendor
    ours_ms, bare_ms, naive_ms = [], [], []
    deadline = time.monotonic() + TIME_BUDGET_S
    from dangke.progress import ProgressBar

    bar = ProgressBar(len(queries), f"查询 {vendor}")
    for query in queries:
        words = _bare_words(query)
        ours, bare = _timed_sides(
            [
                (_ours, (backend, query, visible), {}),
                (_bare_search, (alias, vendor, words), {}),
            ]
        )
        ours_ms.append(ours)
        bare_ms.append(bare)
        naive_ms.append(_timed_ms(_naive, alias, query))
        bar.advance()
        if time.monotonic() > deadline:
            print(f"time budget reached after {len(ours_ms)} queries", file=sys.stderr)
            break
    suggest_ours_ms, suggest_bare_ms = [], []
    bar = ProgressBar(len(prefixes), f"联想 {vendor}")
    for prefix in prefixes:
        words = _bare_words(prefix)
        ours, bare = _timed_sides(
            [
                (backend.suggest, (prefix,), {"visible": visible}),
                (_bare_suggest, (alias, vendor, words), {}),
            ]
        )
        suggest_ours_ms.append(ours)
        suggest_bare_ms.append(bare)
        bar.advance()
    ours_p95 = _percentile(ours_ms, 0.95)
    bare_p95 = _percentile(bare_ms, 0.95)
    naive_p95 = _percentile(naive_ms, 0.95)
    suggest_ours_p95 = _percentile(suggest_ours_ms, 0.95)
    suggest_bare_p95 = _percentile(suggest_bare_ms, 0.95)
    return {
        "documents": backend.count(),
        "index_s": round(index_s, 1),
        "index_docs_per_s": round(len(rows) / index_s),
        "queries": len(ours_ms),
        "ours_p50_ms": round(statistics.median(ours_ms), 2),
        "ours_p95_ms": round(ours_p95, 2),
        "bare_p50_ms": round(statistics.median(bare_ms), 2),
        "bare_p95_ms": round(bare_p95, 2),
        "naive_p50_ms": round(statistics.median(naive_ms), 2),
        "naive_p95_ms": round(naive_p95, 2),
        "bare_ratio": round(ours_p95 / bare_p95, 2),
        "suggestions": len(suggest_ours_ms),
        "suggest_ours_p95_ms": round(suggest_ours_p95, 2),
        "suggest_bare_p95_ms": round(suggest_bare_p95, 2),
        "suggest_bare_ratio": round(suggest_ours_p95 / suggest_bare_p95, 2),
        "ours_ndcg": round(ours_ndcg, 3),
        "naive_ndcg": round(naive_ndcg, 3),
        "hit_at_10": round(ours_hits, 3),
        "ratio": round(naive_p95 / ours_p95, 1),
    }


def main() -> None:
    global REPEAT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    REPEAT = max(1, args.repeat)

    workdir = Path(tempfile.mkdtemp(prefix="dangke-bench-search-"))
    sys.path.insert(0, str(ROOT))
    from tests.services import postgres_problem

    problem = postgres_problem(_postgres_admin_url())
    postgres_url = None
    if problem:
        print(f"PostgreSQL skipped: {problem}", file=sys.stderr)
    else:
        _postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        _postgres_admin(f"CREATE DATABASE {BENCH_DB}")
        postgres_url = _with_database(_postgres_admin_url(), BENCH_DB)
    try:
        _setup_django(workdir / "bench.sqlite3", postgres_url)
        results = _run(args.docs, with_postgres=bool(postgres_url))
    finally:
        from django.db import connections

        connections.close_all()
        if postgres_url:
            _postgres_admin(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        shutil.rmtree(workdir, ignore_errors=True)
    headline = min(results.values(), key=lambda figures: figures["ratio"])
    print(
        json.dumps(
            {
                "bench": "search",
                "docs": args.docs,
                "repeat": REPEAT,
                "ours_p95_ms": headline["ours_p95_ms"],
                "naive_p95_ms": headline["naive_p95_ms"],
                "ours_ndcg": headline["ours_ndcg"],
                "naive_ndcg": headline["naive_ndcg"],
                "hit_at_10": headline["hit_at_10"],
                "ratio": headline["ratio"],
                "bare_ratio": max(f["bare_ratio"] for f in results.values()),
                "suggest_bare_ratio": max(
                    f["suggest_bare_ratio"] for f in results.values()
                ),
                "index_docs_per_s": min(
                    f["index_docs_per_s"] for f in results.values()
                ),
                "engines": results,
            },
            ensure_ascii=False,
        )
    )


def _run(docs: int, *, with_postgres: bool) -> dict:
    import io

    from django.core.management import call_command

    from cms.demo import demo_content_load
    from dangke.progress import ProgressBar
    from search import documents
    from search.backends.database import document_row
    from search.evaluation import load_judgments
    from search.services import search_synonyms_load

    call_command("migrate", verbosity=0)
    if with_postgres:
        call_command("migrate", "search", database="pg", verbosity=0)
    demo_content_load(stdout=io.StringIO(), with_media=False)
    search_synonyms_load()  # the demo dictionary, as load_demo does
    demo_docs = list(documents.all_documents())
    judgments = load_judgments()

    bar = ProgressBar(docs, "分词 (jieba)")
    rows = []
    for doc in _generate(docs):
        row, values = document_row(doc)
        fields = {
            f.attname: getattr(row, f.attname)
            for f in row._meta.concrete_fields
            if f.attname not in ("id", "indexed_at")
        }
        rows.append(
            (
                fields,
                [
                    {"facet": v.facet, "value": v.value, "label": v.label}
                    for v in values
                ],
            )
        )
        bar.advance()

    rng = random.Random(7)
    words, _ = _vocabulary()
    queries = [item["query"] for item in judgments]
    queries += rng.sample(words[200:8000], 40)
    queries += [" ".join(rng.sample(words[200:4000], 2)) for _ in range(10)]

    prefixes = _prefixes(judgments)
    results = {
        "sqlite": _engine("default", demo_docs, rows, queries, judgments, prefixes)
    }
    if with_postgres:
        results["postgresql"] = _engine(
            "pg", demo_docs, rows, queries, judgments, prefixes
        )
    return results


if __name__ == "__main__":
    main()
