"""nDCG@k of a search function over graded judgments (``tests/data/search_eval.json``)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

EVAL_FILE = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "search_eval.json"
)


def load_judgments(path: Path = EVAL_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


def dcg(grades: list[int]) -> float:
    return sum(
        (2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades)
    )


def ndcg(ranked_refs: list[str], relevant: dict[str, int], *, k: int = 10) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(ref, 0) for ref in ranked_refs[:k]]) / ideal


def mean_ndcg(
    search: Callable[[str], list[str]], judgments: list[dict], *, k: int = 10
) -> tuple[float, dict[str, float]]:
    """Mean nDCG@k of ``search`` (query -> ranked refs) and the per-query scores."""
    scores = {
        item["query"]: ndcg(search(item["query"]), item["relevant"], k=k)
        for item in judgments
    }
    return sum(scores.values()) / len(scores), scores


def hit(ranked_refs: list[str], relevant: dict[str, int], *, k: int = 10) -> bool:
    """One of the query's best-graded documents is in the first ``k``."""
    best = max(relevant.values())
    return any(relevant.get(ref) == best for ref in ranked_refs[:k])


def hit_rate(
    search: Callable[[str], list[str]], judgments: list[dict], *, k: int = 10
) -> tuple[float, list[str]]:
    """The share of queries with a hit at ``k``, and the queries without one."""
    misses = [
        item["query"]
        for item in judgments
        if not hit(search(item["query"]), item["relevant"], k=k)
    ]
    return 1 - len(misses) / len(judgments), misses
