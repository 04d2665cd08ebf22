"""Every route of the URL map, fed hostile path parts, query strings and forms, answers below
500 on both databases (issue 11, "No 500 from input"). Bounded for CI: FUZZ_EXAMPLES examples
(default 250) per database, no deadline per example; a fifth of that signed in with valid
CSRF tokens, so hostile form fields and files reach the views."""
from __future__ import annotations

import io
import itertools
import os
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bildungsdaten.hub.db import begin_write, make_sessionmaker, transaction
from bildungsdaten.hub.demo.district import demo_records
from bildungsdaten.hub.offers.store import ensure_provider, write_offers
from tests.account_support import PASSWORD, add_user
from tests.import_support import add_token

ADMIN = "verwaltung-geheim-16"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))

# Values that broke a route once, or break parsers in general.
HOSTILE = ["\x00", "a\x00b", "99999999999999999999999", "2147483648", "2147483647", "-1", "0",
           "²", "٣", "１２", "1e9", "NaN", "", " ", "'", '"', "..", "../..", "\\", "%", "ä",
           "9" * 5000, "x" * 3000, "\u202e", "\ufeff", "o1:5", "bzE6MjE0NzQ4MzY0OA",
           "2025-02-30", "2025-13-01T25:61:00+99:00", "true", "ja", "replace", "06431002"]
# Raw escapes put into the URL as they are: NUL, invalid UTF-8, a lone surrogate, a broken one.
RAW_ESCAPES = ["%00", "%zz", "%ff%fe", "%ED%A0%80", "%C3", "%", "%2F", "%25"]
PARAMS = ["page", "after", "limit", "q", "provider", "municipality", "life_phase", "mode",
          "date_from", "date_to", "modified_since", "afterTimestamp", "afterId", "bom",
          "dry_run", "mode", "format", "lang"]
FORM_FIELDS = ["csrf", "token", "survey", "action", "modus", "aktion", "format", "status",
               "passwort", "next", "benutzername", "name", "rollen", "code", "bisher", "neu",
               "neu2", "passwort2"]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=24),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@st.composite
def url_part(draw: Any, keep_slash: bool = False) -> str:
    """A value percent-encoded as a client would, sometimes with a raw escape inserted."""
    text = quote(draw(values), safe="/" if keep_slash else "")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(RAW_ESCAPES)) + text[at:]
    return text


@st.composite
def query_string(draw: Any) -> str:
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), url_part()), url_part()),
                          max_size=4))
    return "&".join(f"{name}={value}" for name, value in pairs)


def _seed(app: Any) -> str:
    """Offers of one demo provider (so filters and cursors reach real rows) and its token."""
    engine = app.extensions["hub"].engine
    sessions = make_sessionmaker(engine)
    provider, records = next(itertools.islice(demo_records(12, seed=1), 1))
    with transaction(sessions) as session:
        begin_write(session)
        pid = ensure_provider(session, provider)
        write_offers(session, pid, records)
    app.extensions["hub"].settings.admin_token = ADMIN
    token = add_token(engine, pid)
    # Without an account the unauthenticated fuzz also meets the ADMIN_TOKEN bootstrap; the
    # signed-in fuzz below creates the account it signs in with.
    return token


# <converter(args):name> or <name> in a rule string.
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(rule: Any, draw: Any) -> str:
    """The rule's path with every <argument> replaced by a drawn part."""
    return ARGUMENT.sub(lambda m: draw(url_part(keep_slash=m.group(1) == "path")), rule.rule)


@pytest.fixture
def fuzz_app(app: Any) -> tuple[Any, str]:
    return app, _seed(app)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_500_to_hostile_input(fuzz_app, data):
    app, token = fuzz_app
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    rule = data.draw(st.sampled_from(rules), label="rule")
    method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})), label="method")
    url = _path(rule, data.draw) + "?" + data.draw(query_string(), label="query")
    headers = data.draw(st.sampled_from([{}, {"Authorization": f"Bearer {token}"},
                                         {"Authorization": f"Bearer {ADMIN}"},
                                         {"Accept": "application/ld+json"}]), label="headers")
    kwargs: dict[str, Any] = {}
    if method == "POST":
        if data.draw(st.booleans(), label="form"):
            kwargs["data"] = data.draw(st.dictionaries(st.sampled_from(FORM_FIELDS), values,
                                                       max_size=5), label="form data")
        else:
            kwargs["data"] = data.draw(st.binary(max_size=200), label="body")
            kwargs["content_type"] = data.draw(st.sampled_from(["text/csv", "application/json",
                                                                "multipart/form-data"]))
    resp = app.test_client().open(url, method=method, headers=headers, **kwargs)
    resp.get_data()  # a streamed body must not fail half-way either
    assert resp.status_code < 500, (method, url, resp.status_code)


# --- signed in, with a valid CSRF token: hostile form fields and files reach the views ----------

FILE_FIELDS = {"/hochladen": ["datei"], "/survey/admin": ["definition", "responses", "structure"]}
files = st.tuples(st.one_of(st.binary(max_size=300),
                            st.sampled_from([b"angebot_id;titel\r\n1;x\x00\r\n", b"{}", b"[]",
                                             b'{"survey": "x", "tables": [{}]}', b"<xml/>",
                                             b"PK\x03\x04", b"\xef\xbb\xbf;;;\r\n"])),
                  st.one_of(st.sampled_from(["a.csv", "d.json", "d.toml", "s.lss", "a.xlsx"]),
                            values))


# Plausible values first, so most examples get past the first check of a view.
LIKELY = {"modus": ["replace", "upsert"],
          "aktion": ["pruefen", "importieren", "sperren", "entsperren", "rollen",
                     "zwei-faktor-zuruecksetzen"],
          "rollen": ["administrator", "umfrage", "anbieter"], "benutzername": ["fuzz.admin"],
          "action": ["release", "import"], "survey": ["bu2026", "x"], "format": ["plain"],
          "status": ["collecting", "closed"], "passwort": [ADMIN]}
_clients = itertools.count(1)


def _signed_in_client(app: Any, token: str, path: str) -> tuple[Any, str]:
    """A client signed in for `path` (provider or admin) and the CSRF value its form needs;
    each from its own address, so the admin lockout of one example spares the next."""
    client = app.test_client()
    n = next(_clients)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    if path.startswith("/hochladen"):
        page = client.get("/hochladen").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/hochladen/anmelden", data={"csrf": csrf, "token": token})
        page = client.get("/hochladen").get_data(as_text=True)
    else:
        with app.extensions["hub"].sessions() as db:
            from bildungsdaten.hub.auth.users import find_user
            exists = find_user(db, "fuzz.admin") is not None
        if not exists:
            add_user(app.extensions["hub"].engine, "fuzz.admin")
        page = client.get("/verwaltung/anmelden").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/verwaltung/anmelden", data={"csrf": csrf, "benutzername": "fuzz.admin",
                                                  "passwort": PASSWORD})
        page = client.get(path if path == "/survey/admin" else "/survey/admin"
                          ).get_data(as_text=True)
    found = re.findall(r'name="csrf" value="([^"]+)"', page)
    # The admin page's own forms carry the last token; its sign-out form the session's.
    return client, found[-1] if path == "/survey/admin" else found[0]


@settings(max_examples=max(EXAMPLES // 5, 20), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_form_answers_500_when_signed_in_with_a_valid_csrf(fuzz_app, data):
    app, token = fuzz_app
    posts = sorted(r.rule for r in app.url_map.iter_rules() if "POST" in r.methods
                   and r.rule.startswith(("/hochladen", "/survey/admin", "/verwaltung")))
    path = data.draw(st.sampled_from(posts), label="path").replace("<username>", "fuzz.admin")
    client, csrf = _signed_in_client(app, token, path)
    form: dict[str, Any] = data.draw(st.dictionaries(st.sampled_from(FORM_FIELDS), values,
                                                     max_size=5), label="form")
    for name, likely in LIKELY.items():
        if name not in form and data.draw(st.booleans(), label=f"{name}?"):
            form[name] = data.draw(st.sampled_from(likely), label=name)
    form["csrf"] = csrf
    for field in FILE_FIELDS.get(path, []):
        if data.draw(st.booleans(), label=f"{field}?"):
            content, name = data.draw(files, label=field)
            form[field] = (io.BytesIO(content), name)
    resp = client.post(path, data=form, content_type="multipart/form-data")
    resp.get_data()
    assert resp.status_code < 500, (path, {k: v for k, v in form.items()
                                           if not hasattr(v, "__len__") or len(v) < 200})
