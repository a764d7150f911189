"""The one per-process cache: copies expire, are pushed out oldest first, are
missed under another stamp, and are forgotten one by one or all together."""

from __future__ import annotations

import threading
import time

from dangke.cache import MISSING, ProcessCache, process_caches_forget_all


def test_a_copy_expires_after_its_ttl(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("dangke.cache.time.monotonic", lambda: now[0])
    lessons = ProcessCache("test.ttl", ttl=5.0)
    lessons.set(7, "党史")
    now[0] += 4.9
    assert lessons.get(7) == "党史"
    now[0] += 0.2
    assert lessons.get(7) is MISSING


def test_a_copy_without_ttl_stays_until_forgotten(monkeypatch):
    sheets = ProcessCache("test.forever", ttl=None)
    sheets.set(1, "sheet")
    later = time.monotonic() + 10 * 365 * 86400
    monkeypatch.setattr("dangke.cache.time.monotonic", lambda: later)
    assert sheets.get(1) == "sheet"


def test_a_full_cache_pushes_out_its_oldest_copy():
    tokens = ProcessCache("test.bounded", ttl=60, max_entries=2)
    tokens.set("a", 1)
    tokens.set("b", 2)
    tokens.set("a", 3)  # kept again: now the newest
    tokens.set("c", 4)
    assert len(tokens) == 2
    assert tokens.get("b") is MISSING
    assert (tokens.get("a"), tokens.get("c")) == (3, 4)


def test_a_copy_kept_under_another_stamp_is_a_miss():
    synonyms = ProcessCache("test.stamp", ttl=None, max_entries=1)
    synonyms.set("map", {"农讲所": ()}, stamp=(1, "t1"))
    assert synonyms.get("map", stamp=(1, "t1")) == {"农讲所": ()}
    assert synonyms.get("map", stamp=(2, "t2")) is MISSING
    assert synonyms.get("map") is MISSING


def test_get_or_build_builds_once_per_stamp_even_from_many_threads():
    vocabulary = ProcessCache("test.build", ttl=None, max_entries=1)
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.05)
        return len(builds)

    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                vocabulary.get_or_build("v", build, stamp="s1")
            )
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1, 1, 1, 1]
    assert vocabulary.get_or_build("v", build, stamp="s2") == 2


def test_forgetting_one_all_or_every_cache():
    members = ProcessCache("test.members", ttl=60)
    lessons = ProcessCache("test.lessons", ttl=60)
    members.set(1, "a")
    members.set(2, "b")
    members.forget(1)
    assert (members.get(1), members.get(2)) == (MISSING, "b")
    members.forget()
    assert members.get(2) is MISSING
    members.set(3, "c")
    lessons.set(4, "d")
    process_caches_forget_all()
    assert members.get(3) is MISSING and lessons.get(4) is MISSING
