"""Watched intervals: sorted, disjoint ``[start, end]`` pairs in seconds.

The union of what a member has watched is what counts, so a replay or an overlap
never adds anything twice.
"""

from __future__ import annotations

Interval = tuple[float, float]


def intervals_merge(intervals: list[Interval] | list[list[float]]) -> list[Interval]:
    """The union of ``intervals`` as sorted disjoint pairs (touching pairs join)."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def intervals_subtract(
    intervals: list[Interval], taken: list[Interval]
) -> list[Interval]:
    """The parts of ``intervals`` (merged) not covered by ``taken`` (merged)."""
    result: list[Interval] = []
    for start, end in intervals:
        cursor = start
        for t_start, t_end in taken:
            if t_end <= cursor:
                continue
            if t_start >= end:
                break
            if t_start > cursor:
                result.append((cursor, t_start))
            cursor = max(cursor, t_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def intervals_total(intervals: list[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def intervals_take(intervals: list[Interval], budget: float) -> list[Interval]:
    """The earliest parts of ``intervals`` adding up to at most ``budget`` seconds."""
    taken: list[Interval] = []
    for start, end in intervals:
        if budget <= 0:
            break
        length = min(end - start, budget)
        taken.append((start, start + length))
        budget -= length
    return taken
