"""The Phase 7 lesson's samples do what the lesson says they do.

SQLModel keeps every table model of a process in one registry (`SQLModel.metadata`), so two
phases' samples that both declare a `Book` table cannot share an interpreter. This module
therefore runs its own tests in a fresh one: in the project's test run it holds a single test
that starts `pytest` on this very file with PHASE_07_SAMPLES=isolated, and only there are the
samples imported and the real tests defined.

No `from __future__ import annotations`: the routes defined inside tests need real annotations.
"""

import os
import subprocess
import sys
from pathlib import Path

ISOLATED = os.environ.get("PHASE_07_SAMPLES") == "isolated"
ROOT = Path(__file__).resolve().parents[2]

if not ISOLATED:

    def test_phase_07_samples_in_a_fresh_interpreter() -> None:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
            cwd=ROOT,
            env={**os.environ, "PHASE_07_SAMPLES": "isolated"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert " passed" in run.stdout

else:
    import shutil
    import threading
    from collections.abc import Iterator

    import pytest
    from alembic import command
    from alembic.config import Config
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import QueuePool, SingletonThreadPool, StaticPool
    from sqlmodel import Session, SQLModel, select

    from docs_src.phase_07 import (
        app,
        database,
        memory_engine,
        models,
        n_plus_one,
        pool,
    )
    from docs_src.phase_07.models import Author, Book, BookUpdate

    # Alembic runs migrations_env.py itself (importing it outside a command fails): it is copied.
    MIGRATIONS_ENV = ROOT / "docs_src" / "phase_07" / "migrations_env.py"

    def book(title: str, author: str, isbn: str | None = None) -> dict[str, object]:
        body: dict[str, object] = {"title": title, "author": author, "year": 1990}
        return body | ({"isbn": isbn} if isbn else {})

    @pytest.fixture
    def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
        """A clean BOOKAPI_ environment, a database file of the test's own, fresh settings."""
        monkeypatch.chdir(tmp_path)
        for name in [n for n in os.environ if n.startswith("BOOKAPI_")]:
            monkeypatch.delenv(name)
        database_file = tmp_path / "lesson.db"
        monkeypatch.setenv("BOOKAPI_DATABASE_URL", f"sqlite:///{database_file}")
        database.get_settings.cache_clear()
        yield database_file
        database.get_settings.cache_clear()

    @pytest.fixture
    def client(environment: Path) -> Iterator[TestClient]:
        with TestClient(app.app) as test_client:
            yield test_client

    # models.py ------------------------------------------------------------------------------

    def test_the_tables_and_their_link() -> None:
        tables = SQLModel.metadata.tables
        assert {"authors", "books"} <= set(tables)
        books = tables["books"]
        assert [fk.target_fullname for fk in books.c.author_id.foreign_keys] == ["authors.id"]
        assert books.c.isbn.unique and books.c.isbn.nullable
        assert not books.c.title.nullable and books.c.title.type.length == 200
        assert tables["authors"].c.name.unique

    def test_a_table_model_does_not_validate_but_the_api_model_does() -> None:
        # The reason to keep input models apart: table models accept anything on __init__.
        Book(title="", year=1990)  # no error, no author: nothing checked
        with pytest.raises(ValueError):
            models.BookCreate(title="  ", author="Someone", year=1990)

    def test_what_each_dump_of_a_patch_body_gives() -> None:
        # The lesson's table: only exclude_unset tells "left out" from "sent as null".
        clear_isbn = BookUpdate.model_validate({"isbn": None})
        new_year = BookUpdate.model_validate({"year": 1980})
        assert clear_isbn.model_dump() == {
            "title": None,
            "author": None,
            "year": None,
            "isbn": None,
        }
        assert clear_isbn.model_dump(exclude_unset=True) == {"isbn": None}
        assert clear_isbn.model_dump(exclude_none=True) == {}
        assert new_year.model_dump(exclude_unset=True) == {"year": 1980}
        assert new_year.model_dump(exclude_none=True) == {"year": 1980}

    # database.py ----------------------------------------------------------------------------

    def test_the_default_database_is_an_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("BOOKAPI_DATABASE_URL", raising=False)
        settings = database.Settings(_env_file=None)
        assert settings.database_url == "sqlite:///bookapi.db"
        engine = database.create_db_engine(settings)
        assert isinstance(engine.pool, QueuePool)  # SQLAlchemy's default for a file
        engine.dispose()

    def test_a_postgres_url_gets_the_configured_pool(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BOOKAPI_DATABASE_URL", "postgresql+psycopg://u:p@db.invalid/books")
        monkeypatch.setenv("BOOKAPI_DATABASE_POOL_SIZE", "3")
        monkeypatch.setenv("BOOKAPI_DATABASE_MAX_OVERFLOW", "2")
        settings = database.Settings(_env_file=None)
        engine = database.create_db_engine(settings)  # connects to nothing yet
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)
        assert engine.pool._pre_ping
        engine.dispose()

    def test_the_lifespan_makes_one_engine_and_disposes_it(environment: Path) -> None:
        lifespan_app = FastAPI(lifespan=database.lifespan)
        with TestClient(lifespan_app):
            engine = lifespan_app.state.engine
            assert str(engine.url) == f"sqlite:///{environment}"
            assert {"authors", "books"} <= set(inspect(engine).get_table_names())
            with engine.connect():
                assert engine.pool.checkedout() == 1
        assert engine.pool.checkedout() == 0
        with TestClient(lifespan_app):
            assert lifespan_app.state.engine is not engine  # every start makes its own

    def test_get_session_commits_or_rolls_back_and_always_closes(
        client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        closed: list[Session] = []
        original = Session.close

        def spy(self: Session) -> None:
            closed.append(self)
            original(self)

        monkeypatch.setattr(Session, "close", spy)
        assert client.post("/books", json=book("Kindred", "Octavia E. Butler")).status_code == 201
        assert client.patch("/books/999", json={"year": 2000}).status_code == 404
        assert len(closed) == 2
        assert app.app.state.engine.pool.checkedout() == 0

    # app.py ---------------------------------------------------------------------------------

    def test_a_book_is_stored_with_its_author(client: TestClient) -> None:
        first = client.post("/books", json=book("Kindred", "Octavia E. Butler"))
        second = client.post("/books", json=book("Dawn", "Octavia E. Butler"))
        assert first.status_code == second.status_code == 201
        assert first.json()["author"] == second.json()["author"] == {
            "id": 1,
            "name": "Octavia E. Butler",
        }
        assert first.json()["created_at"].endswith("Z")  # aware, and in UTC
        listed = client.get("/books").json()
        assert [(b["title"], b["author"]["name"]) for b in listed] == [
            ("Kindred", "Octavia E. Butler"),
            ("Dawn", "Octavia E. Butler"),
        ]

    def test_a_duplicate_isbn_is_a_409_and_nothing_is_half_written(client: TestClient) -> None:
        assert client.post("/books", json=book("Kindred", "Octavia E. Butler", "9780807083697"))
        clash = client.post("/books", json=book("Copy", "A New Author", "9780807083697"))
        assert clash.status_code == 409
        with Session(app.app.state.engine) as session:
            names = session.exec(select(Author.name)).all()
        assert names == ["Octavia E. Butler"]  # the new author went with the failed book
        # The next request is not affected by the failed one.
        assert client.post("/books", json=book("Fresh", "A New Author")).status_code == 201

    def test_the_listing_costs_the_same_for_3_or_12_books(client: TestClient) -> None:
        engine = app.app.state.engine
        counts = []
        for total in (3, 12):
            while len(client.get("/books").json()) < total:
                n = len(client.get("/books").json())
                client.post("/books", json=book(f"Book {n}", f"Author {n}"))
            with n_plus_one.counting_statements(engine) as statements:
                listed = client.get("/books").json()
            assert len(listed) == total
            assert len({b["author"]["id"] for b in listed}) == total  # distinct authors
            counts.append(len(statements))
        assert counts == [2, 2]  # the books, then all their authors (selectinload)

    def test_the_page_size_cap_is_in_the_sql(
        client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for n in range(4):
            client.post("/books", json=book(f"Book {n}", "Ursula K. Le Guin"))
        database.get_settings.cache_clear()
        monkeypatch.setenv("BOOKAPI_MAX_PAGE_SIZE", "2")
        with n_plus_one.counting_statements(app.app.state.engine) as statements:
            page = client.get("/books?limit=50&offset=1").json()
        assert [b["title"] for b in page] == ["Book 1", "Book 2"]
        assert "LIMIT" in statements[0] and "OFFSET" in statements[0]

    def test_patch_changes_only_what_was_sent(client: TestClient) -> None:
        created = client.post("/books", json=book("Kindred", "Octavia E. Butler", "9780807083697"))
        book_id = created.json()["id"]
        assert client.patch(f"/books/{book_id}", json={"year": 1979}).json()["title"] == "Kindred"
        cleared = client.patch(f"/books/{book_id}", json={"isbn": None}).json()
        assert (cleared["isbn"], cleared["year"], cleared["title"]) == (None, 1979, "Kindred")
        moved = client.patch(f"/books/{book_id}", json={"author": "Someone Else"}).json()
        assert moved["author"]["name"] == "Someone Else" and moved["year"] == 1979
        assert client.get("/books").json()[0] == moved  # stored, not only answered
        assert client.patch("/books/999", json={"year": 1}).status_code == 404

    def test_patch_to_a_stored_isbn_is_a_409(client: TestClient) -> None:
        client.post("/books", json=book("Kindred", "Octavia E. Butler", "9780807083697"))
        other = client.post("/books", json=book("Dawn", "Octavia E. Butler")).json()
        clash = client.patch(f"/books/{other['id']}", json={"isbn": "9780807083697"})
        assert clash.status_code == 409
        assert client.get("/books").json()[1]["isbn"] is None

    # n_plus_one.py --------------------------------------------------------------------------

    @pytest.fixture
    def shelf() -> Iterator[Session]:
        """Five books by five authors, in an engine of the test's own."""
        engine = memory_engine.memory_engine()
        with Session(engine) as session:
            for n in range(5):
                session.add(Book(title=f"Book {n}", year=2000, author=Author(name=f"A{n}")))
            session.commit()
        with Session(engine) as session:
            yield session
        engine.dispose()

    @pytest.mark.parametrize(("loading", "expected"), [("lazy", 6), ("selectin", 2), ("joined", 1)])
    def test_each_loading_strategy_costs(shelf: Session, loading: str, expected: int) -> None:
        engine = shelf.get_bind()
        with n_plus_one.counting_statements(engine) as statements:
            names = n_plus_one.authors_of_every_book(shelf, loading)  # type: ignore[arg-type]
        assert names == [f"A{n}" for n in range(5)]
        assert len(statements) == expected

    def test_shared_authors_hide_the_n_plus_one() -> None:
        # One author for every book: the identity map answers all but the first lazy load.
        engine = memory_engine.memory_engine()
        with Session(engine) as session:
            author = Author(name="Everyone")
            for n in range(5):
                session.add(Book(title=f"Book {n}", year=2000, author=author))
            session.commit()
        with Session(engine) as session, n_plus_one.counting_statements(engine) as statements:
            n_plus_one.authors_of_every_book(session, "lazy")
        assert len(statements) == 2
        engine.dispose()

    # memory_engine.py -----------------------------------------------------------------------

    def test_an_in_memory_database_is_shared_across_threads() -> None:
        engine = memory_engine.memory_engine()
        assert isinstance(engine.pool, StaticPool)
        with Session(engine) as session:
            session.add(Author(name="Written in the main thread"))
            session.commit()
        seen: list[str] = []

        def read() -> None:  # what a `def` route does: it runs in a worker thread
            with Session(engine) as session:
                seen.extend(session.exec(select(Author.name)).all())

        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
        assert seen == ["Written in the main thread"]
        engine.dispose()

    def test_without_a_static_pool_each_thread_has_its_own_empty_database() -> None:
        engine = create_engine("sqlite://")
        assert isinstance(engine.pool, SingletonThreadPool)
        SQLModel.metadata.create_all(engine)
        errors: list[Exception] = []

        def read() -> None:
            try:
                with Session(engine) as session:
                    session.exec(select(Author)).all()
            except Exception as error:  # no such table: a different, empty database
                errors.append(error)

        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
        assert errors and "no such table" in str(errors[0])
        engine.dispose()

    # pool.py --------------------------------------------------------------------------------

    def test_the_connection_budget() -> None:
        assert pool.connections_needed(workers=4, pool_size=5, max_overflow=10) == 60
        assert pool.connections_needed(workers=8, pool_size=5, max_overflow=10) == 120  # > 100
        assert pool.pool_size_for(max_connections=100, workers=4) == 22
        assert pool.connections_needed(4, pool.pool_size_for(100, 4), 0) <= 100 - 10

    def test_the_postgres_engine_stays_inside_the_budget() -> None:
        engine = pool.postgres_engine("postgresql+psycopg://u:p@db.invalid/books", workers=4)
        assert (engine.pool.size(), engine.pool._max_overflow) == (22, 0)
        assert engine.pool.checkedout() == 0  # nothing opened yet
        engine.dispose()

    # migrations_env.py ----------------------------------------------------------------------

    def test_one_migration_creates_the_tables(environment: Path, tmp_path: Path) -> None:
        folder = tmp_path / "migrations"
        (folder / "versions").mkdir(parents=True)
        shutil.copyfile(MIGRATIONS_ENV, folder / "env.py")
        (folder / "script.py.mako").write_text(
            (ROOT / "solutions" / "phase-07" / "migrations" / "script.py.mako").read_text()
        )
        config = Config()
        config.set_main_option("script_location", str(folder))
        command.revision(config, message="create tables", autogenerate=True)
        command.upgrade(config, "head")
        engine = create_engine(f"sqlite:///{environment}")
        names = set(inspect(engine).get_table_names())
        assert {"authors", "books", "alembic_version"} <= names
        command.check(config)  # the models and the database agree: nothing left to migrate
        engine.dispose()
