"""The optional tile map of /karte (MAP_TILE_URL): off by default (no third-party request, the
SVG map alone); when set, Leaflet (vendored in hub/static/vendor/leaflet) draws tiles from a
real local tile server over HTTP, the CSP allows exactly that host and only on /karte, axe-core
finds no violation at 320 and 1280 px, and without JavaScript the SVG map stays."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bildungsdaten.hub.app import create_app
from bildungsdaten.hub.settings import SettingsError, load_settings
from tests.browser_support import axe_violations, chromium
from tests.portal_sample import store_portal_sample
from tests.support import served_app

# A real PNG to answer every tile with (Leaflet scales it to 256 px).
TILE = (Path(__file__).parents[1] / "hub" / "static" / "vendor" / "leaflet" / "images"
        / "layers.png").read_bytes()
WIDTHS = (320, 1280)


class TileServer:
    """A tile server on a loopback port: /{z}/{x}/{y}.png answers TILE; it keeps the paths."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(TILE)))
                self.end_headers()
                self.wfile.write(TILE)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    with TileServer() as server:
        yield server


@pytest.fixture
def tile_site(db_url: str, tmp_path: Path, tiles: TileServer) -> Iterator[str]:
    """The hub with MAP_TILE_URL at the local tile server, served over real HTTP."""
    app = create_app({"database_url": db_url, "instance_path": tmp_path / "instance",
                      "hub_base_uri": "http://hub.test", "secret_key": "test-secret",
                      "map_tile_url": tiles.origin + "/{z}/{x}/{y}.png",
                      "map_tile_attribution": "Testkacheln"})
    store_portal_sample(app.extensions["hub"].engine)
    with served_app(app) as base:
        yield base
    app.extensions["hub"].engine.dispose()


def test_by_default_the_map_loads_nothing_from_another_host(client: Any) -> None:
    resp = client.get("/karte")
    html = resp.get_data(as_text=True)
    assert "leaflet" not in html and "kachelkarte" not in html and "<svg" in html
    assert "img-src 'self' data:;" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["kacheln.example/{z}/{x}/{y}.png",
                                 "https://{s}.tile.example/{z}/{x}/{y}.png",
                                 "https://tile.example/{z}/{x}.png",
                                 "ftp://tile.example/{z}/{x}/{y}.png"])
def test_a_tile_url_of_no_single_http_host_stops_the_start(url: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MAP_TILE_URL"):
        load_settings({"map_tile_url": url, "instance_path": tmp_path})


def test_the_csp_allows_the_tile_host_only_on_the_map(tile_site: str, tiles: TileServer) -> None:
    import urllib.request

    with urllib.request.urlopen(tile_site + "/karte") as resp:
        assert f"img-src 'self' data: {tiles.origin};" in resp.headers["Content-Security-Policy"]
    with urllib.request.urlopen(tile_site + "/angebote") as resp:
        assert tiles.origin not in resp.headers["Content-Security-Policy"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(axe=True) as launched:
        yield launched


def _tab(browser: Any, base: str, width: int, bypass_csp: bool, javascript: bool = True
         ) -> tuple[Any, list[str]]:
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript, bypass_csp=bypass_csp)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    elsewhere: list[str] = []
    tab.on("request", lambda r: elsewhere.append(r.url)
           if urlsplit(r.url).netloc != urlsplit(base).netloc
           and urlsplit(r.url).scheme in ("http", "https") else None)
    return tab, elsewhere


@pytest.mark.browser
def test_tiles_load_under_the_real_csp_from_that_host_only(browser: Any, tile_site: str,
                                                           tiles: TileServer) -> None:
    tab, elsewhere = _tab(browser, tile_site, 1280, bypass_csp=False)
    blocked: list[str] = []
    tab.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    tab.goto("/karte")
    tab.wait_for_selector("#kachelkarte .leaflet-tile-loaded")
    assert tiles.paths and all(p.endswith(".png") for p in tiles.paths)
    assert elsewhere and all(u.startswith(tiles.origin + "/") for u in elsewhere)
    assert blocked == []
    markers = tab.locator("#kachelkarte .place-marker a")
    assert markers.count() == tab.locator("svg a.has-offers").count() > 0
    assert "Bensheim" in markers.all_inner_texts()[0] or markers.count() > 1
    href = markers.first.get_attribute("href")
    assert href is not None and href.startswith("/angebote?municipality=")
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_tile_map_has_no_axe_violations_and_reflows(browser: Any, tile_site: str,
                                                    tiles: TileServer, width: int) -> None:
    import os

    tab, elsewhere = _tab(browser, tile_site, width, bypass_csp=True)
    tab.goto("/karte")
    tab.wait_for_selector("#kachelkarte .leaflet-tile-loaded")
    tab.wait_for_load_state("networkidle")
    shots = os.environ.get("PORTAL_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=f"{shots}/kachelkarte-{width}.png", full_page=True)
    assert axe_violations(tab) == [], f"Kachelkarte bei {width} px"
    assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert all(u.startswith(tiles.origin + "/") for u in elsewhere)
    tab.context.close()


@pytest.mark.browser
def test_without_javascript_the_svg_map_serves_and_no_tile_is_asked(
        browser: Any, tile_site: str, tiles: TileServer) -> None:
    tab, elsewhere = _tab(browser, tile_site, 320, bypass_csp=False, javascript=False)
    tab.goto("/karte")
    tab.wait_for_load_state("networkidle")
    assert tab.locator("figure.map svg").is_visible()
    assert not tab.locator(".tile-map-box").is_visible()
    assert elsewhere == [] and tiles.paths == []
    tab.context.close()
