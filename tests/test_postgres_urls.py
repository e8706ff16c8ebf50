"""Which PostgreSQL URLs run on psycopg's own connections (store/postgres_server.py), and
how a URL is named in a message, both without SQLAlchemy (no server needed)."""

from __future__ import annotations

from studyapp.store.db import _describe
from studyapp.store.postgres_server import conninfo_of


def test_a_psycopg_url_becomes_libpqs_uri_and_any_other_stays_with_sqlalchemy() -> None:
    url = "postgresql+psycopg://me:secret@db.example:5433/study"
    assert conninfo_of(url) == "postgresql://me:secret@db.example:5433/study"
    assert conninfo_of("postgresql://me@host/study") is None  # SQLAlchemy's psycopg2
    assert conninfo_of("postgresql+psycopg://me@host/study?sslmode=require") is None
    assert conninfo_of("sqlite:///study.db") is None


def test_a_message_names_the_server_without_its_password() -> None:
    described = _describe("postgresql+psycopg://me:secret@db.example:5433/study")
    assert described == "postgresql+psycopg://me:***@db.example:5433/study"
    assert _describe("postgresql+psycopg://me@db.example/study") == (
        "postgresql+psycopg://me@db.example/study"
    )
