"""Every setting of the hub, with its default and a one-line doc; read from the environment.

Another municipality runs its own hub by changing these, not code.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE = Path(os.environ.get("HUB_INSTANCE_PATH", Path.cwd() / "instance"))


@dataclass(frozen=True)
class SettingDoc:
    env: str
    default: str
    doc: str


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass
class Settings:
    """The hub's configuration. Each field maps to one environment variable (upper case)."""

    instance_path: Path = DEFAULT_INSTANCE
    hub_base_uri: str = ""  # empty: http://HOST:PORT, so `PORT=8080 make run` links to itself
    database_url: str = ""
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    district_name: str = "Kreis Bergstraße"
    district_key: str = "06431"
    publisher_name: str = "Kreis Bergstraße – Bildungskoordination"
    publisher_url: str = "https://www.kreis-bergstrasse.de"
    contact_email: str = "bildungskoordination@kreis-bergstrasse.de"
    default_licence: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    licence_attribution: str = "Kreis Bergstraße, Bildungskoordination"
    upload_max_bytes: int = 20 * 1024 * 1024
    upload_max_rows: int = 100_000
    upload_max_inflated_bytes: int = 200 * 1024 * 1024
    tombstone_days: int = 7
    expiry_grace_days: int = 1
    rpde_page_size: int = 500
    catalog_page_size: int = 100
    failed_auth_limit: int = 10
    proxy_hops: int = 0
    admin_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def default_database_url(self) -> str:
        return f"sqlite:///{self.instance_path / 'bildungsdaten.sqlite'}"

    def url(self, path: str) -> str:
        """An absolute URL under HUB_BASE_URI (never from the request's host)."""
        return self.hub_base_uri.rstrip("/") + "/" + path.lstrip("/")


DOCS: dict[str, str] = {
    "instance_path": "Ordner für SQLite-Datenbank, Schlüssel und Uploads / folder for the SQLite file, secret key and uploads",
    "hub_base_uri": "Basis aller Daten-IRIs und absoluten Links; leer = http://HOST:PORT / base of every data IRI and absolute link; empty = http://HOST:PORT",
    "database_url": "SQLAlchemy-URL; leer = SQLite unter instance/ / SQLAlchemy URL; empty = SQLite under instance/",
    "secret_key": "Flask-Schlüssel; leer = beim ersten Start in instance/ erzeugt / generated into instance/ when empty",
    "host": "Adresse für make run / address for make run",
    "port": "Port für make run / port for make run",
    "district_name": "Name des Kreises / district name",
    "district_key": "Kreisschlüssel (AGS) / district key",
    "publisher_name": "Herausgeber im Katalog / catalogue publisher",
    "publisher_url": "Webseite des Herausgebers / publisher home page",
    "contact_email": "Kontaktadresse (Funktionsadresse) / contact e-mail",
    "default_licence": "Standardlizenz (dcat-ap.de-Liste) / default licence IRI",
    "licence_attribution": "Namensnennung zur Lizenz / licence attribution text",
    "upload_max_bytes": "Größte Upload-Datei in Bytes / largest upload in bytes",
    "upload_max_rows": "Höchstzahl Datenzeilen je Upload / maximum data rows per upload",
    "upload_max_inflated_bytes": "Größte entpackte XLSX-Größe / largest inflated XLSX size",
    "tombstone_days": "Tage, die Löschungen im RPDE-Feed bleiben / days tombstones stay in the feed",
    "expiry_grace_days": "Tage nach dem letzten Termin bis zum Ablauf / days after the last date until expiry",
    "rpde_page_size": "Einträge je RPDE-Seite / items per RPDE page",
    "catalog_page_size": "Datensätze je Katalogseite / datasets per catalogue page",
    "failed_auth_limit": "Fehlversuche mit Token je Minute und Adresse / failed token attempts per minute and address",
    "proxy_hops": "Vorgeschaltete Reverse-Proxys, deren X-Forwarded-For/-Proto gelten (0 = keiner) / reverse proxies in front whose X-Forwarded-For/-Proto are trusted",
    "admin_token": "Zugang zu den Verwaltungsseiten (z. B. Umfrage-Import); leer = abgeschaltet / admin pages credential; empty = disabled",
}


def _convert(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.lower() in ("1", "true", "ja", "yes")
    if isinstance(like, int):
        return int(value)
    if isinstance(like, Path):
        return Path(value)
    return value


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from defaults, then the environment (upper-case names), then `overrides`."""
    settings = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        env = os.environ.get(f.name.upper())
        if env is not None and env != "":
            values[f.name] = _convert(env, getattr(settings, f.name))
    values.update(overrides or {})
    settings = Settings(**{**{f.name: getattr(settings, f.name) for f in fields(Settings)}, **values})
    if not settings.database_url:
        settings.database_url = settings.default_database_url
    if not settings.hub_base_uri:
        settings.hub_base_uri = f"http://{settings.host}:{settings.port}"
    if not settings.secret_key:
        settings.secret_key = _instance_secret(settings.instance_path)
    return settings


def _instance_secret(instance_path: Path) -> str:
    """The secret key kept in instance/secret_key, generated on first run."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
