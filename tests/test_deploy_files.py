"""The shipped deploy/ files agree with the hub: body limit, proxy hops, real CLI commands."""
from __future__ import annotations

import configparser
import re
import shlex

import pytest
from click.testing import CliRunner

from bildungsdaten.hub.cli import main
from bildungsdaten.hub.settings import Settings
from tests.support import REPO

DEPLOY = REPO / "deploy"


def test_nginx_body_limit_matches_the_hubs_upload_limit():
    snippet = (DEPLOY / "nginx" / "bildungsdaten-proxy.conf").read_text()
    (megabytes,) = re.findall(r"^client_max_body_size (\d+)m;", snippet, re.M)
    # The hub's MAX_CONTENT_LENGTH: UPLOAD_MAX_BYTES plus 1 MB of multipart framing.
    assert int(megabytes) * 1024 * 1024 == Settings().upload_max_bytes + 1024 * 1024
    env = (DEPLOY / "bildungsdaten.env").read_text()
    assert f"UPLOAD_MAX_BYTES={Settings().upload_max_bytes}" in env


def test_nginx_sends_exactly_one_forwarded_hop():
    snippet = (DEPLOY / "nginx" / "bildungsdaten-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in snippet
    assert "PROXY_HOPS=1" in (DEPLOY / "bildungsdaten.env").read_text()


@pytest.mark.parametrize("unit", ["bildungsdaten.service", "bildungsdaten-scheduler.service"])
def test_systemd_units_start_real_cli_commands(unit):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / unit)
    command = shlex.split(parser["Service"]["ExecStart"])
    assert command[0].endswith("/bildungsdaten")
    result = CliRunner().invoke(main, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output
