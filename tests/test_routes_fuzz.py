"""Every route of the URL map, fed hostile path parts, query strings and forms, answers below
500 on both databases (issue 11, "No 500 from input"). Bounded for CI: FUZZ_EXAMPLES examples
(default 250) per database, no deadline per example."""
from __future__ import annotations

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
               "passwort", "next"]

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
    return add_token(engine, pid)


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
