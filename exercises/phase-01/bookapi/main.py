"""Phase 1 — Hello, FastAPI.

Your first Book API. Read README.md in this folder for the task, then:

    fastapi dev bookapi/main.py      # serve it with reload; open http://127.0.0.1:8000/docs
    grade phase-1                    # run the hidden checks
"""

from fastapi import FastAPI  # noqa: F401  (TODO 1 needs it)

# TODO 1: create the application object, named `app`, at module level.
#         Do not start a server from this file: `fastapi dev` and `fastapi run` do that.

# TODO 2: add GET /health, answering {"status": "ok"}.

# TODO 3: add GET /books, answering an empty list for now. Later phases fill it.
