"""The fetch guard (hub/fetch_guard.py) against real HTTP servers on loopback: loopback is
allowed here only through FETCH_ALLOW_HOSTS, the way a test or intranet setup allows it."""
from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from bildungsdaten.hub.fetch_guard import (
    FetchFailed,
    FetchRefused,
    RunDeadline,
    guarded_fetch,
    precheck_url,
)
from bildungsdaten.hub.fetch_rules import forbidden_reason, parse_allow_hosts
from tests.fetch_support import answer, drip, endless, redirect, serve

LOOPBACK = ["127.0.0.1"]
MB = 1024 * 1024


def fetch(url: str, allow: list[str] | None = None, **kwargs):
    options = {"max_bytes": MB, "deadline_s": 10.0, **kwargs}
    return guarded_fetch(url, allow_hosts=allow, **options)


def test_an_allowed_host_is_fetched_with_conditional_headers_passed_through():
    routes = {"/kurse.csv": answer(b"a;b\n1;2\n", headers={"ETag": '"v1"'})}
    with serve(routes) as server:
        result = fetch(server.url("/kurse.csv"), LOOPBACK,
                       headers={"If-None-Match": '"v0"', "If-Modified-Since": "Mon, 01 Jan 2024"})
    assert (result.status, result.body, result.headers["ETag"]) == (200, b"a;b\n1;2\n", '"v1"')
    (path, headers), = server.seen
    assert headers["If-None-Match"] == '"v0"' and headers["If-Modified-Since"] == "Mon, 01 Jan 2024"
    assert headers["Host"] == server.base.removeprefix("http://")


def test_a_not_modified_answer_is_returned_not_raised():
    with serve({"/k.csv": answer(b"", status=304)}) as server:
        assert fetch(server.url("/k.csv"), LOOPBACK, headers={"If-None-Match": '"v1"'}).status == 304


def test_the_secret_key_file_is_never_read(tmp_path):
    secret = tmp_path / "instance" / "secret_key"
    secret.parent.mkdir()
    secret.write_text("geheim")
    with pytest.raises(FetchRefused) as refused:
        fetch(secret.as_uri(), LOOPBACK)
    assert refused.value.code == "scheme-not-allowed"
    assert "nur http- und https-Adressen" in refused.value.message


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5432", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]:5432/", "http://localhost:5432/",
    "http://0.0.0.0/", "http://10.1.2.3/", "http://192.168.0.1/", "http://[fe80::1]/",
    "http://[fd00:ec2::254]/"])
def test_internal_addresses_are_refused(url):
    with pytest.raises(FetchRefused) as refused:
        fetch(url)
    assert refused.value.code == "address-not-allowed"
    assert "keine öffentliche Adresse" in refused.value.message


def test_a_refused_address_never_sees_a_connection():
    with serve({"/": answer(b"x")}) as server:
        with pytest.raises(FetchRefused):
            fetch(server.url("/"), allow=["intranet.example"])
    assert server.seen == []


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1"])
def test_numeric_ip_spellings_are_refused_even_when_loopback_is_allowed(host):
    with pytest.raises(FetchRefused) as refused:
        fetch(f"http://{host}:5432/", LOOPBACK)
    assert refused.value.code == "ip-notation"


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/", "http://169.254.169.254/",
                                    "http://[::1]:{port}/", "file:///etc/passwd",
                                    "http://[::1", "http://2130706433:{port}/"])
def test_a_redirect_from_an_allowed_host_to_a_refused_address_is_refused(target):
    with serve({"/": answer(b"intern")}, host="127.0.0.2") as inner:
        location = target.format(port=inner.base.rsplit(":", 1)[1])
        with serve({"/k.csv": redirect(location)}) as outer:
            with pytest.raises(FetchRefused) as refused:
                fetch(outer.url("/k.csv"), LOOPBACK)
    assert refused.value.code in ("address-not-allowed", "scheme-not-allowed", "url-invalid",
                                  "ip-notation")
    assert inner.seen == []


def test_redirects_are_followed_within_the_limit():
    with serve({"/a": redirect("/b", 301), "/b": redirect("/c", 307),
                "/c": answer(b"ok"), "/loop": redirect("/loop")}) as server:
        result = fetch(server.url("/a"), LOOPBACK)
        assert (result.body, result.url) == (b"ok", server.url("/c"))
        with pytest.raises(FetchFailed) as failed:
            fetch(server.url("/loop"), LOOPBACK, max_redirects=3)
    assert failed.value.code == "too-many-redirects"
    assert len([p for p, _ in server.seen if p == "/loop"]) == 4


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "headers"])
def test_a_slow_drip_is_cut_at_the_overall_deadline(headers_too):
    # 18 bytes over 5.4 s: every single read is fast, only the whole is too slow.
    with serve({"/k.csv": drip(b"a;b\n" * 4 + b"\n\n", 0.3, headers_too)}) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failed:
            fetch(server.url("/k.csv"), LOOPBACK, deadline_s=1.5)
        elapsed = time.monotonic() - started
    assert failed.value.code == "deadline"
    assert "nicht innerhalb von 1.5 s" in failed.value.message
    assert 1.4 < elapsed < 2.5


def test_the_run_deadline_cuts_a_fetch_that_its_own_deadline_would_allow():
    run = RunDeadline(1.0)
    with serve({"/k.csv": drip(b"x" * 50, 0.2)}) as server:
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failed:
            fetch(server.url("/k.csv"), LOOPBACK, deadline_s=30, run_deadline=run)
        assert time.monotonic() - started < 2.0
        with pytest.raises(FetchFailed) as spent:
            fetch(server.url("/k.csv"), LOOPBACK, deadline_s=30, run_deadline=run)
    assert failed.value.code == spent.value.code == "run-deadline"
    assert "Zeitbudget dieses Laufs" in spent.value.message


def test_an_oversized_body_is_refused_while_streaming():
    with serve({"/declared": answer(b"x" * (MB + 1)), "/endless": endless()}) as server:
        with pytest.raises(FetchFailed) as declared:
            fetch(server.url("/declared"), LOOPBACK)
        started = time.monotonic()
        with pytest.raises(FetchFailed) as streamed:
            fetch(server.url("/endless"), LOOPBACK)
        assert time.monotonic() - started < 3
    assert declared.value.code == streamed.value.code == "too-large"
    assert "größer als 1.048.576 Bytes" in streamed.value.message


def test_paths_are_sent_as_ascii_and_control_characters_refused():
    with serve({"/kurse-%C3%BC.csv": answer(b"ok")}) as server:
        assert fetch(server.url("/kurse-ü.csv"), LOOPBACK).body == b"ok"
        with pytest.raises(FetchRefused) as refused:
            fetch(server.url("/a b\r\nX-Evil: 1"), LOOPBACK)
    assert refused.value.code == "url-invalid"
    assert [path for path, _ in server.seen] == ["/kurse-%C3%BC.csv"]


def test_content_type_is_checked_when_asked_for():
    with serve({"/feed": answer(b"<html>", content_type="text/html")}) as server:
        with pytest.raises(FetchFailed) as failed:
            fetch(server.url("/feed"), LOOPBACK, accept=["application/json"])
    assert failed.value.code == "content-type"
    assert server.seen[0][1]["Accept"] == "application/json"


def test_https_to_a_plain_http_server_fails_cleanly():
    with serve({"/": answer(b"x")}) as server:
        with pytest.raises(FetchFailed) as failed:
            fetch(server.base.replace("http:", "https:") + "/", LOOPBACK)
    assert failed.value.code in ("tls-failed", "bad-response")


def test_a_closed_port_is_a_connect_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed) as failed:
        fetch(f"http://127.0.0.1:{port}/", LOOPBACK)
    assert failed.value.code == "connect-failed"


def test_an_allowed_name_allows_what_it_resolves_to():
    with serve({"/": answer(b"ok")}) as server:
        url = server.base.replace("127.0.0.1", "localhost") + "/"
        assert fetch(url, ["localhost"]).body == b"ok"
        with pytest.raises(FetchRefused):
            fetch(url, ["127.0.0.2"])


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("2a00:1450:4001:82a::200e", True), ("100.64.0.1", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("fc00::1", False), ("ff02::1", False),
    ("2002:7f00:1::1", False), ("64:ff9b::a00:1", False), ("::127.0.0.1", False),
    ("2002:5db8:d822::1", True), ("168.63.129.16", False), ("::", False)])
def test_address_rules(address, public):
    assert (forbidden_reason(ipaddress.ip_address(address)) is None) is public


def test_allow_list_parsing():
    allow = parse_allow_hosts("Intranet.Kreis.de, 10.0.0.0/8 [::1]")
    assert allow.allows("intranet.kreis.de", ipaddress.ip_address("10.9.9.9"))
    assert allow.allows("x.example", ipaddress.ip_address("10.1.1.1"))
    assert allow.allows("x.example", ipaddress.ip_address("::1"))
    assert not allow.allows("x.example", ipaddress.ip_address("192.168.1.1"))
    # A listed name never opens the metadata service, whatever its DNS says.
    assert not allow.allows("intranet.kreis.de", ipaddress.ip_address("169.254.169.254"))
    assert not allow.allows("intranet.kreis.de", ipaddress.ip_address("::ffff:169.254.169.254"))
    with pytest.raises(ValueError, match="FETCH_ALLOW_HOSTS"):
        parse_allow_hosts("http://intranet/")


def test_precheck_refuses_internal_and_accepts_unresolvable_public_names():
    with pytest.raises(FetchRefused):
        precheck_url("http://localhost/kurse.csv", None)
    assert precheck_url("http://localhost/kurse.csv", ["localhost"]) is None
    note = precheck_url("https://gibt-es-nicht.invalid/kurse.csv", None)
    assert note is not None and "nicht auffindbar" in note
