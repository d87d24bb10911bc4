"""The trap: a module that reads its settings the moment it is imported."""

from fastapi import FastAPI

from docs_src.phase_09.factory import load_settings

# --8<-- [start:wrong]
settings = load_settings()  # runs at import: whoever imports this module needs the environment

app = FastAPI()


@app.get("/page-size")
def page_size() -> dict[str, int]:
    return {"page_size": settings.page_size}  # no override of get_settings ever reaches this


# --8<-- [end:wrong]
