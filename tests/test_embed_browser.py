"""An embed on another website, in a real browser (Debian chromium through Playwright): the
snippet from /einbetten, pasted into a host page served from a second local port (another
origin), renders the list, resizes only when the host opted in, and passes axe-core at 320 px;
the hub's other pages refuse to be framed there."""
from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.browser_support import axe_violations, chromium
from tests.demo_district import load_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched


@pytest.fixture
def hub(app: Any, live_server: str) -> str:
    load_demo(app, offers=120)
    # Links and snippets are built from HUB_BASE_URI: here, the live server itself.
    app.extensions["hub"].settings.hub_base_uri = live_server
    return live_server


@pytest.fixture
def host_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A website of another origin: serves the pages put into the returned dict by path."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    thread.join(timeout=5)




def snippets(hub: str) -> tuple[str, str]:
    """The builder's two snippets (the frame, the opt-in script) as a web team copies them."""
    page = requests.get(f"{hub}/einbetten?municipality=06431002&anzahl=8", timeout=30).text
    frame, script = (html.unescape(m) for m in re.findall(
        r'<textarea id="code(?:-hoehe)?"[^>]*>(.*?)</textarea>', page, re.S))
    return frame, script


def host_page(body: str) -> str:
    return ("<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            "content=\"width=device-width, initial-scale=1\"><title>Gemeinde Beispiel</title>"
            f"</head><body><main><h1>Bildung in unserer Gemeinde</h1>{body}</main></body></html>")


def frame_height(tab: Any) -> int:
    return int(tab.evaluate("document.querySelector('iframe').getBoundingClientRect().height"))


def test_embed_renders_resizes_when_opted_in_and_passes_axe(hub: str, host_site: Any,
                                                            browser: Any) -> None:
    host, pages = host_site
    frame_code, script = snippets(hub)
    pages["/mit-skript"] = host_page(frame_code + script)
    pages["/ohne-skript"] = host_page(frame_code)
    # bypass_csp: axe is injected as a script of the test, which the hub's CSP would refuse.
    context = browser.new_context(viewport={"width": 320, "height": 800}, bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)

    tab.goto(f"{host}/ohne-skript")
    frame = tab.frame_locator("iframe")
    frame.locator("h1").wait_for()
    assert frame.locator("ul.angebote li").count() > 0
    tab.wait_for_timeout(500)
    assert frame_height(tab) == 600  # no opt-in: the frame keeps its size

    tab.goto(f"{host}/mit-skript")
    tab.frame_locator("iframe").locator("h1").wait_for()
    tab.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height "
                          "!= 600")
    inner = next(f for f in tab.frames if "/einbetten/liste" in f.url)
    assert frame_height(tab) == pytest.approx(
        inner.evaluate("document.documentElement.scrollHeight"), abs=2)
    assert inner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    assert axe_violations(inner) == []
    context.close()


def test_embed_resizes_when_the_opt_in_script_starts_after_the_frame_loaded(
        hub: str, host_site: Any, browser: Any) -> None:
    """The snippet puts the opt-in script after the frame, so a fast frame can report its
    height before anyone listens: the script asks each frame again when it starts."""
    host, pages = host_site
    frame_code, script = snippets(hub)
    src = re.search(r'src="([^"]+)"', script).group(1)
    late = ("<script>document.querySelector('iframe').addEventListener('load', function () {"
            "setTimeout(function () { var s = document.createElement('script'); "
            f"s.src = {json.dumps(src)}; document.body.appendChild(s); }}, 500); }});</script>")
    pages["/spaet"] = host_page(frame_code + late)
    context = browser.new_context(viewport={"width": 320, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(f"{host}/spaet")
    tab.frame_locator("iframe").locator("h1").wait_for()
    tab.wait_for_function("document.querySelector('script[src$=\"embed-host.js\"]') !== null")
    tab.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height "
                          "!= 600")
    inner = next(f for f in tab.frames if "/einbetten/liste" in f.url)
    assert frame_height(tab) == pytest.approx(
        inner.evaluate("document.documentElement.scrollHeight"), abs=2)
    context.close()


def test_other_pages_of_the_hub_refuse_to_be_framed(hub: str, host_site: Any,
                                                    browser: Any) -> None:
    host, pages = host_site
    pages["/fremd"] = host_page(f'<iframe src="{hub}/hochladen" title="Hochladen"></iframe>')
    context = browser.new_context()
    tab = context.new_page()
    blocked: list[str] = []
    tab.on("console", lambda msg: blocked.append(msg.text) if "frame-ancestors" in msg.text
           else None)
    tab.goto(f"{host}/fremd")
    tab.wait_for_timeout(1000)
    framed = [f for f in tab.frames if f != tab.main_frame]
    assert framed
    # Chromium shows its own error document instead of the refused page.
    assert all(not f.url.startswith(hub) or "Hochladen" not in (f.title() or "")
               for f in framed)
    assert blocked, "chromium did not report a frame-ancestors refusal"
    context.close()
