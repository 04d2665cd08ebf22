"""Real-browser tests' shared parts: Debian chromium through Playwright, and axe-core (vendored
in tests/assets/axe-core, never from a CDN) for WCAG 2.1 A/AA checks."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import unavailable

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"


@contextmanager
def chromium(axe: bool = False) -> Iterator[Any]:
    """A launched chromium (Playwright Browser); skips, or fails under CI, when it or (with
    `axe`) axe-core is missing."""
    if not CHROMIUM.exists():
        unavailable("chromium fehlt (Debian-Paket chromium; .ci/run installiert es)")
    if axe and not AXE.exists():
        unavailable(f"{AXE} fehlt (axe-core gehört nach tests/assets)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright (Python) ist nicht installiert")
    with sync_playwright() as pw:
        # --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(target: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of a page or frame (its context needs bypass_csp:
    the injected script is not one the hub's CSP allows)."""
    target.add_script_tag(path=str(AXE))
    return list(target.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return r.violations.map(v => v.id + ": " + v.help + " @ " +
            v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "));
    }"""))
