"""Test settings: the real settings module, with what only tests need on top."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Django's test runner swaps in its in-memory outbox; the settings refuse the console backend.
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Reports are written to a folder of this run's own, which the worker processes it starts
# inherit through the environment.
os.environ["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="radar-test-media-")
# A queue of this test run's own: tasks it sends can only reach the worker it starts.
os.environ.setdefault("CELERY_QUEUE", f"radar-test-{os.getpid()}")

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

# Tasks run in-process unless a test starts a real worker: a stray .delay() must never reach a
# broker that another database's worker might consume.
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
TEST_REDIS_URL = REDIS_URL

RESULT_COALESCE_SECONDS = 1
# In-process, and cleared between tests; tests of the real Redis cache use `real_broker`.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders, as in development: tests do not run collectstatic.
WHITENOISE_AUTOREFRESH = True
