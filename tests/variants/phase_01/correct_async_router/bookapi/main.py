from fastapi import APIRouter, FastAPI

router = APIRouter()


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/books")
async def list_books() -> list[str]:
    return []


app = FastAPI(title="Book API")
app.include_router(router)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app)
