"""The Redis cache the rate limits and the result requests share, against the real Redis."""

import os

from core.cache import RedisCache


def test_the_redis_cache_shares_one_client_and_behaves_as_djangos(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"radar-test-cache-{os.getpid()}"})
    try:
        assert cache.add("misses", 0, 60) is True
        assert cache.add("misses", 5, 60) is False
        assert cache.incr("misses") == 1
        assert cache.get("misses") == 1
        # One redis.Redis for every command, where Django's client builds one per command.
        assert cache._cache.get_client(write=True) is cache._cache.get_client("misses")
    finally:
        cache.delete("misses")
