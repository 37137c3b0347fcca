"""Django's Redis cache, reusing its client.

Django's RedisCacheClient builds a new redis.Redis for every command. Building one fills a table
of some 170 response callbacks (redis-py issue #3624), which on loopback costs about as much as
the command itself, and the rate limit runs two commands on every respondent's request. A
redis.Redis is safe to share between threads (each command checks a connection out of the pool),
so one per pool does.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
