"""gunicorn's settings, written in Python. Saved as `gunicorn.conf.py` in the folder gunicorn
starts in, it is read without being named; here it is named:

    gunicorn --config docs_src/phase_10/gunicorn_conf.py docs_src.phase_10.slow:app

gunicorn manages the processes; each worker is a Uvicorn server with an event loop of its own.
"""

import os

# Every interface of the container or machine, on the port the platform chose (PORT).
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Processes, each on a core of its own: WEB_CONCURRENCY if the platform sets it, else two.
# Each one has its own database pool: workers x (pool size + overflow) must stay below the
# database's connection limit.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gunicorn's default workers speak WSGI; this one is a Uvicorn server, for an ASGI app like
# FastAPI (from the `uvicorn-worker` package).
worker_class = "uvicorn_worker.UvicornWorker"

# After SIGTERM, workers stop accepting and finish the requests in flight for up to this many
# seconds, then are killed. Longer than your slowest request, shorter than the platform's own
# patience (Docker sends SIGKILL 10 s after SIGTERM by default, Kubernetes 30 s).
graceful_timeout = 8
# A worker silent for this long (its event loop blocked) is killed and replaced.
timeout = 30
# How long an idle keep-alive connection from the proxy stays open.
keepalive = 5

# The proxy in front says who the client is (X-Forwarded-For, X-Forwarded-Proto): believe it
# from these addresses, and from nobody else.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
