"""gunicorn's settings for the Book API in production (gunicorn reads this file by itself when
it starts in this folder; the Procfile and the Dockerfile also name it):

    gunicorn --config gunicorn.conf.py bookapi.main:app

gunicorn is the process manager: it starts the workers, restarts one that dies, and stops them
gracefully. Each worker is a Uvicorn server (`uvicorn_worker.UvicornWorker`, from the
`uvicorn-worker` package) running the ASGI app with its own event loop.
"""

import os

# Inside a container, listen on every interface of the container; the platform decides what
# reaches it. PORT is the convention most platforms follow.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Worker processes: one event loop each, on its own core. WEB_CONCURRENCY is the platforms'
# convention for setting it; without it, two. Each worker has its own database pool:
# workers x (pool size + overflow) must stay under the database's connection limit.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"

# On SIGTERM, workers stop taking new requests and finish the ones in flight, for up to this many
# seconds; then they are killed. Keep it under the platform's own deadline (Docker waits 10 s
# before SIGKILL unless told otherwise, Kubernetes 30 s) and above your slowest request.
graceful_timeout = 8
# A worker that stops answering gunicorn for this long (a blocked event loop) is restarted.
timeout = 30
# Idle keep-alive connections from the proxy in front are closed after this many seconds.
keepalive = 5

# The proxy in front (nginx, the platform's load balancer) says who the client really is in
# X-Forwarded-For and X-Forwarded-Proto; trust it from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The app writes one JSON access line per request itself (with the request id).
accesslog = None
