"""The shared rate limiter on Redis (one round trip per attempt) and in memory."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.core.cache import cache

from dangke.ratelimit import rate_limit_exceeded


def _attempts(who: str, count: int) -> list[bool]:
    return [rate_limit_exceeded(bucket="test", who=who, limit=3) for _ in range(count)]


@pytest.mark.redis
def test_redis_counts_every_attempt_and_forgets_the_window(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    who = uuid.uuid4().hex
    assert _attempts(who, 5) == [False, False, False, True, True]
    key = next(iter(redis.Redis.from_url(redis_url).keys(f"*rate:test:{who}:*")))
    assert redis.Redis.from_url(redis_url).ttl(key) > 60
    assert cache.get(key.decode().split(":", 2)[2]) == 5
    assert _attempts(uuid.uuid4().hex, 1) == [False]  # someone else: own budget


def test_memory_counts_every_attempt():
    who = uuid.uuid4().hex
    assert _attempts(who, 5) == [False, False, False, True, True]
