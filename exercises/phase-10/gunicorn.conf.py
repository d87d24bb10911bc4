"""gunicorn's settings for the Book API in production (gunicorn reads this file by itself when
it starts in this folder; the Procfile names it too):

    gunicorn --config gunicorn.conf.py bookapi.main:app
"""

import os

# Inside a container, listen on every interface of the container; the platform decides what
# reaches it. PORT is the convention most platforms follow.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# TODO 13: the workers.
#   - `worker_class`: uvicorn's ASGI worker for gunicorn, from the `uvicorn-worker` package
#     (`uvicorn.workers.UvicornWorker` is deprecated).
#   - `workers`: two or more; the platforms' WEB_CONCURRENCY variable, when it is set.
#   - `graceful_timeout`: how long the requests in flight get to finish after SIGTERM, above
#     your slowest request and under the platform's own deadline (Docker: 10 s).
