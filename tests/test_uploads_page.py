"""The upload page /hochladen through the Flask client: sign-in, CSRF, report, downloads."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bildungsdaten.hub.auth.tokens import revoke
from bildungsdaten.hub.models import ApiToken
from tests.import_support import add_provider, add_token, fixture_bytes, live_offers, uploads


def csrf(client, path: str = "/hochladen") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client, token: str):
    return client.post("/hochladen/anmelden", data={"csrf": csrf(client), "token": token})


def send(client, name: str, aktion: str, modus: str = "replace"):
    return client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": modus, "aktion": aktion,
        "datei": (io.BytesIO(fixture_bytes(name)), name)})


def test_page_is_linked_from_the_navigation(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/hochladen">Angebote hochladen</a>' in html


def test_sign_in_without_csrf_token_is_refused(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    resp = client.post("/hochladen/anmelden", data={"token": token})
    assert resp.status_code == 400
    assert "Angemeldet für" not in client.get("/hochladen").get_data(as_text=True)


def test_wrong_token_shows_error_summary_at_the_top(client):
    resp = sign_in(client, "bdh_falsch")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 401
    assert html.index('role="alert"') < html.index("<h1>")
    assert '<a href="#token">Das Token ist unbekannt' in html


def test_sign_in_keeps_only_the_token_id_in_the_session(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs", "Kreisvolkshochschule"))
    assert sign_in(client, token).status_code == 303
    assert "Angemeldet für <strong>Kreisvolkshochschule</strong>" in client.get(
        "/hochladen").get_data(as_text=True)
    with client.session_transaction() as session:
        assert token not in repr(dict(session))


def test_revoked_token_ends_the_page_session(client, engine):
    token = add_token(engine, add_provider(engine, "kvhs"))
    sign_in(client, token)
    with Session(engine) as session, session.begin():
        revoke(session, session.execute(sa.select(ApiToken)).scalar_one())
    assert 'id="token"' in client.get("/hochladen").get_data(as_text=True)


def test_sign_out(client, engine):
    sign_in(client, add_token(engine, add_provider(engine, "kvhs")))
    client.post("/hochladen/abmelden", data={"csrf": csrf(client)})
    assert 'id="token"' in client.get("/hochladen").get_data(as_text=True)


def test_dry_run_with_errors_shows_report_table_and_imports_nothing(client, engine):
    pid = add_provider(engine, "kvhs")
    sign_in(client, add_token(engine, pid))
    resp = send(client, "with_errors.csv", "pruefen")
    assert resp.status_code == 303
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "nichts wurde übernommen" in html
    assert '<th scope="col">Zeile</th>' in html and "<caption>" in html
    assert live_offers(engine, pid) == {}
    assert [(u.source, u.dry_run, u.status) for u in uploads(engine, pid)] == [
        ("page", True, "invalid")]


def test_import_from_the_page(client, engine):
    pid = add_provider(engine, "kvhs")
    sign_in(client, add_token(engine, pid))
    resp = send(client, "valid_cp1252.csv", "importieren")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Übernommen" in html and "3 Angebote neu angelegt" in html
    assert len(live_offers(engine, pid)) == 3


def test_report_downloads_as_csv_for_excel(client, engine):
    pid = add_provider(engine, "kvhs")
    sign_in(client, add_token(engine, pid))
    send(client, "with_errors.csv", "pruefen")
    upload_id = uploads(engine, pid)[0].id
    resp = client.get(f"/hochladen/berichte/{upload_id}.csv")
    assert resp.status_code == 200
    assert resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Zeile", "Spalte", "Spaltenname", "Art", "Code", "Problem", "Wert"]
    assert {r[0] for r in rows[1:] if r[3] == "Fehler"} == {"3", "4", "5"}
    assert ["3", "C", "titel", "Fehler", "required-error"] in [r[:5] for r in rows]


def send_bytes(client, data: bytes, name: str = "angebote.csv"):
    return client.post("/hochladen", content_type="multipart/form-data", data={
        "csrf": csrf(client), "modus": "replace", "aktion": "pruefen",
        "datei": (io.BytesIO(data), name)})


def test_report_csv_neutralises_formulas_in_every_text_cell(client, engine):
    pid = add_provider(engine, "kvhs")
    sign_in(client, add_token(engine, pid))
    data = fixture_bytes("with_errors.csv").decode("utf-8")
    head, rest = data.split("\n", 1)
    head = head.rstrip("\r")
    # Unknown columns named like formulas: their names come back in the report.
    head += ';=HYPERLINK("http://x.example");@SUM(1);-1+2'
    assert send_bytes(client, (head + "\r\n" + rest).encode()).status_code == 303
    upload_id = uploads(engine, pid)[0].id
    resp = client.get(f"/hochladen/berichte/{upload_id}.csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    extra = [r for r in rows if r[4] == "extra-label"]
    assert [(r[1], r[2]) for r in extra] == [
        ("U", "'=HYPERLINK(\"http://x.example\")"), ("V", "'@SUM(1)"), ("W", "'-1+2")]
    assert all(r[6].startswith("'") for r in extra)
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_report_page_names_column_letter_and_name(client, engine):
    pid = add_provider(engine, "kvhs")
    sign_in(client, add_token(engine, pid))
    resp = send(client, "with_errors.csv", "pruefen")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "<td>3</td><td>C (titel)</td>" in html


def test_report_of_another_provider_is_404(client, engine):
    b = add_provider(engine, "anbieter-b")
    sign_in(client, add_token(engine, b))
    send(client, "with_errors.csv", "pruefen")
    upload_b = uploads(engine, b)[0].id
    client.post("/hochladen/abmelden", data={"csrf": csrf(client)})
    sign_in(client, add_token(engine, add_provider(engine, "anbieter-a")))
    assert client.get(f"/hochladen/berichte/{upload_b}").status_code == 404
    assert client.get(f"/hochladen/berichte/{upload_b}.csv").status_code == 404


def test_missing_file_is_named_in_the_error_summary(client, engine):
    sign_in(client, add_token(engine, add_provider(engine, "kvhs")))
    resp = client.post("/hochladen", content_type="multipart/form-data",
                       data={"csrf": csrf(client), "modus": "replace", "aktion": "pruefen"})
    assert resp.status_code == 400
    assert '<a href="#datei">Bitte wählen Sie eine Datei aus.</a>' in resp.get_data(as_text=True)


def test_templates_download_as_csv_and_xlsx(client):
    resp = client.get("/hochladen/vorlage.csv")
    assert resp.status_code == 200 and resp.data.startswith("\ufeffangebot_id;".encode())
    resp = client.get("/hochladen/vorlage.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
    assert len(book.sheetnames) >= 2


def test_report_csv_cells_starting_with_tab_or_cr_are_neutralised() -> None:
    from bildungsdaten.hub.blueprints.upload_page import _neutral

    assert [_neutral(t) for t in ("\t=1+2", "\r=1+2", "+49 6252", "Kurs", None)] == [
        "'\t=1+2", "'\r=1+2", "'+49 6252", "Kurs", ""]
