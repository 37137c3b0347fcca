"""Shared start of every bench script: Django with the test settings, on a throwaway database.

Run a script from the repository root, e.g. `python -m bench.invitations`. With DATABASE_URL set
the figures are PostgreSQL's (a `test_…` database is created and dropped); without, SQLite's.
"""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402


@contextmanager
def throwaway_database():
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor} ({name})")
    try:
        yield
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
        teardown_test_environment()
