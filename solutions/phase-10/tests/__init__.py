"""The Book API's own tests (run them from the exercise folder: `python -m pytest`).

The job queue (`bookapi.worker.huey`) is built when its module is imported, from the
environment: before any test imports it, point it at a throwaway file, so that the tests never
touch the queue (or the Redis server) your dev server and worker use.
"""

import os
import tempfile
from pathlib import Path

os.environ["BOOKAPI_QUEUE_PATH"] = str(Path(tempfile.mkdtemp(prefix="bookapi-tests-")) / "jobs.db")
os.environ.pop("BOOKAPI_REDIS_URL", None)
