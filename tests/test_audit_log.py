"""The audit log (issue 18): the database itself refuses to change or delete an entry, on
SQLite and PostgreSQL; the protocol page filters by action and actor and pages by keyset."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.audit import record
from bildungsdaten.hub.auth.models import AuditEntry
from tests.account_support import add_user, sign_in


def add_entries(engine, n: int, action: str = "token.created", actor: str = "cli:root") -> None:
    with Session(engine) as db, db.begin():
        for i in range(n):
            record(db, action, f"anbieter-{i}", {"token": i}, actor=actor)


def entries(engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.subject)
            .order_by(AuditEntry.id))]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'jemand-anderes'",
    "UPDATE audit_log SET details = NULL WHERE id = 1",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE id = 1",
])
def test_the_database_refuses_to_change_or_delete_entries(engine, statement):
    add_entries(engine, 2)
    before = entries(engine)
    with pytest.raises(DBAPIError, match="audit_log ist unveränderlich"), engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert entries(engine) == before


def test_the_orm_cannot_delete_an_entry_either(engine):
    add_entries(engine, 1)
    with pytest.raises(DBAPIError), Session(engine) as db, db.begin():
        db.delete(db.get(AuditEntry, 1))
    assert len(entries(engine)) == 1


def test_an_unknown_action_code_is_a_programming_error(engine):
    with Session(engine) as db, pytest.raises(ValueError, match="unknown audit action"):
        record(db, "token.creatd", "x")


def test_record_outside_a_request_is_by_the_system(engine):
    with Session(engine) as db, db.begin():
        record(db, "provider.created", "kvhs")
    with engine.connect() as conn:
        assert conn.execute(sa.select(AuditEntry.actor, AuditEntry.address)).one() == (
            "system", None)


@pytest.fixture
def admin_client(app, engine):
    add_user(engine, "chefin")
    client = app.test_client()
    sign_in(client, "chefin")
    return client


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", html)]


def test_the_protocol_pages_by_keyset_newest_first(admin_client, engine):
    add_entries(engine, 120)
    first = admin_client.get("/verwaltung/protokoll").get_data(as_text=True)
    assert _numbers(first) == list(range(120, 70, -1))
    older = re.search(r'href="(/verwaltung/protokoll\?vor=\d+)">Ältere Einträge', first).group(1)
    second = admin_client.get(older).get_data(as_text=True)
    assert _numbers(second) == list(range(70, 20, -1))
    third_href = re.search(r'href="([^"]+)">Ältere Einträge', second).group(1)
    third = admin_client.get(third_href.replace("&amp;", "&")).get_data(as_text=True)
    assert _numbers(third) == list(range(20, 0, -1))
    assert "Ältere Einträge" not in third and "Zu den neuesten Einträgen" in third


def test_the_protocol_filters_by_action_and_actor(admin_client, engine):
    add_entries(engine, 3, "token.created", "cli:root")
    add_entries(engine, 2, "token.revoked", "cli:anna")
    add_entries(engine, 1, "token.revoked", "cli:root")
    page = admin_client.get("/verwaltung/protokoll?aktion=token.revoked").get_data(as_text=True)
    assert _numbers(page) == [6, 5, 4] and "Token gesperrt" in page
    page = admin_client.get("/verwaltung/protokoll?aktion=token.revoked&akteur=cli:root"
                            ).get_data(as_text=True)
    assert _numbers(page) == [6]
    page = admin_client.get("/verwaltung/protokoll?akteur=niemand").get_data(as_text=True)
    assert _numbers(page) == [] and "Keine Einträge für diesen Filter" in page


@pytest.mark.parametrize("query", ["aktion=gibt.es.nicht", "vor=abc", "vor=-1",
                                   "vor=99999999999999999999"])
def test_bad_protocol_parameters_are_refused_in_german(admin_client, query):
    resp = admin_client.get(f"/verwaltung/protokoll?{query}")
    assert resp.status_code == 400 and "Die Anfrage ist ungültig" in resp.get_data(as_text=True)
