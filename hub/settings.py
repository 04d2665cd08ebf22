"""Every setting of the hub, with its default and a one-line doc; read from the environment.

Another municipality runs its own hub by changing these, not code.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_INSTANCE = Path(os.environ.get("HUB_INSTANCE_PATH", Path.cwd() / "instance"))


def setting(default: Any, doc: str) -> Any:
    """A setting's default and its documentation (German / English), kept together."""
    return field(default=default, metadata={"doc": doc})


def setting_docs() -> dict[str, str]:
    """Environment variable -> documentation of every setting (for --help, README, tests)."""
    return {f.name.upper(): f.metadata["doc"] for f in fields(Settings) if "doc" in f.metadata}


@dataclass
class Settings:
    """The hub's configuration. Each field maps to one environment variable (upper case)."""

    instance_path: Path = setting(
        DEFAULT_INSTANCE, "Ordner für SQLite-Datenbank, Schlüssel und Uploads / folder for the SQLite file, secret key and uploads")
    # empty: http://HOST:PORT, so `PORT=8080 make run` links to itself
    hub_base_uri: str = setting(
        "", "Basis aller Daten-IRIs und absoluten Links; leer = http://HOST:PORT / base of every data IRI and absolute link; empty = http://HOST:PORT")
    database_url: str = setting(
        "", "SQLAlchemy-URL; leer = SQLite unter instance/ / SQLAlchemy URL; empty = SQLite under instance/")
    secret_key: str = setting(
        "", "Flask-Schlüssel; leer = beim ersten Start in instance/ erzeugt / generated into instance/ when empty")
    host: str = setting(
        "127.0.0.1", "Adresse für make run / address for make run")
    port: int = setting(
        8000, "Port für make run / port for make run")
    district_name: str = setting(
        "Kreis Bergstraße", "Name des Kreises / district name")
    district_key: str = setting(
        "06431", "Kreisschlüssel (AGS) / district key")
    publisher_name: str = setting(
        "Kreis Bergstraße – Bildungskoordination", "Herausgeber im Katalog / catalogue publisher")
    publisher_url: str = setting(
        "https://www.kreis-bergstrasse.de", "Webseite des Herausgebers / publisher home page")
    contact_email: str = setting(
        "bildungskoordination@kreis-bergstrasse.de", "Kontaktadresse (Funktionsadresse) / contact e-mail")
    default_licence: str = setting(
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0", "Standardlizenz (dcat-ap.de-Liste) / default licence IRI")
    licence_attribution: str = setting(
        "Kreis Bergstraße, Bildungskoordination", "Namensnennung zur Lizenz / licence attribution text")
    upload_max_bytes: int = setting(
        20 * 1024 * 1024, "Größte Upload-Datei in Bytes / largest upload in bytes")
    upload_max_rows: int = setting(
        100_000, "Höchstzahl Datenzeilen je Upload / maximum data rows per upload")
    upload_max_inflated_bytes: int = setting(
        200 * 1024 * 1024, "Größte entpackte XLSX-Größe / largest inflated XLSX size")
    ics_max_events: int = setting(
        20_000, "Höchstzahl Termine einer Kalenderdatei (.ics, nach Auflösen der Serien) / maximum events of a calendar file (.ics, series expanded)")
    tombstone_days: int = setting(
        7, "Tage, die Löschungen im RPDE-Feed bleiben / days tombstones stay in the feed")
    originals_keep_days: int = setting(
        30, "Tage, die Originaldateien von Probeläufen, abgelehnten und abgebrochenen Uploads aufbewahrt werden (der Prüfbericht bleibt) / days the original files of dry runs, rejected and failed uploads are kept (the report stays)")
    originals_quota_bytes: int = setting(
        100 * 1024 * 1024, "Höchstens so viele Bytes gespeicherter Originaldateien je Anbieter; darüber fallen die ältesten weg, nie die des aktuellen Imports / stored original bytes per provider; beyond, the oldest are dropped, never the current import's")
    pending_upload_minutes: int = setting(
        60, "Minuten, nach denen ein Upload, der noch „pending“ ist, als abgebrochen gilt (früher, wenn sein Prozess auf diesem Rechner beendet ist) / minutes after which a pending upload counts as interrupted (sooner when its process on this machine has ended)")
    expiry_grace_days: int = setting(
        1, "Tage nach dem letzten Termin bis zum Ablauf / days after the last date until expiry")
    rpde_page_size: int = setting(
        500, "Einträge je RPDE-Seite / items per RPDE page")
    catalog_page_size: int = setting(
        100, "Datensätze je Katalogseite / datasets per catalogue page")
    failed_auth_limit: int = setting(
        10, "Fehlversuche mit Token je Minute und Adresse / failed token attempts per minute and address")
    proxy_hops: int = setting(
        0, "Vorgeschaltete Reverse-Proxys, deren X-Forwarded-For/-Proto gelten (0 = keiner) / reverse proxies in front whose X-Forwarded-For/-Proto are trusted")
    monitoring_radius_km: float = setting(
        10.0, "Reichweite in km (Luftlinie) vom Gemeindemittelpunkt für die weißen Flecken des Bildungsmonitorings / radius in km (great circle) from a municipality's centre for the monitoring's blank spots")
    monitoring_bedarf: str = setting(
        "", "TOML-Datei, die Tabellen der veröffentlichten Befragung und ihre Antwortcodes Gemeinden, Lebensphasen und Themenbereichen zuordnet (Bedarf gegen Angebot); leer = kein Bedarfsvergleich / TOML file mapping published survey tables and their answer codes to municipalities, life phases and topics (need against supply); empty = none")
    admin_token: str = setting(
        "", "Einmaliger Zugang zum Anlegen des ersten Verwaltungskontos, solange es keines gibt; mindestens 16 Zeichen / bootstrap credential that creates the first admin account while none exists; at least 16 characters")
    admin_lockout_failures: int = setting(
        5, "Fehlversuche an der Verwaltung, nach denen eine Adresse und ein Benutzername gesperrt werden / failed admin sign-ins before an address and an account name are locked out")
    admin_lockout_minutes: int = setting(
        15, "Dauer der Sperre und Zeitfenster der Fehlversuche in Minuten / lockout duration and failure window in minutes")
    session_hours: int = setting(
        12, "Stunden, die eine Anmeldung (Upload-Seite, Verwaltung) gilt / hours a sign-in lasts")
    embed_allowed_origins: str = setting(
        "*", "Wer die eingebetteten Angebotslisten (/einbetten/liste) in einen Rahmen setzen darf: "
        "CSP frame-ancestors, z. B. „https://www.bensheim.de https://*.kreis-bergstrasse.de“; "
        "* = jede Website / origins allowed to frame the embed lists (CSP frame-ancestors)")
    # the fetch guard's exceptions and deadlines (hub/fetch_guard.py)
    fetch_allow_hosts: str = setting(
        "", "Hostnamen, IP-Adressen oder Netze (CIDR), die der Hub trotz Loopback-/privater Adresse abrufen darf, durch Komma getrennt (Tests, Intranet); leer = keine / host names, addresses or CIDR networks the fetch guard allows although not public")
    fetch_deadline_seconds: int = setting(
        60, "Höchstdauer eines Abrufs (DNS, Verbindung, Weiterleitungen und Inhalt zusammen) / overall deadline of one fetch")
    fetch_run_deadline_seconds: int = setting(
        900, "Zeitbudget aller Abrufe eines Job-Laufs (z. B. aller Anbieterdateien) / time budget of all fetches of one job run")
    # the RPDE client's limits for one harvest of a source (hub/federation/items.HarvestLimits);
    # its time limit is FETCH_RUN_DEADLINE_SECONDS
    harvest_max_pages: int = setting(
        10_000, "Höchstzahl RPDE-Seiten je Ernte einer Quelle; danach endet der Lauf als „partial“ und der nächste setzt fort / maximum RPDE pages per harvest run of a source (the next run goes on)")
    harvest_button_seconds: int = setting(
        60, "Zeitbudget einer Ernte, die „Jetzt ernten“ in der Verwaltung startet (unter dem Timeout des Webservers von 120 s); den Rest erntet der Scheduler / time budget of a harvest started from the admin page (the scheduler goes on)")
    harvest_max_page_bytes: int = setting(
        20 * 1024 * 1024, "Größte RPDE-Seite einer Quelle in Bytes; eine größere beendet den Lauf mit Fehler / largest RPDE page of a source in bytes")
    harvest_max_items_per_page: int = setting(
        5_000, "Höchstzahl Einträge je RPDE-Seite einer Quelle; eine Seite mit mehr beendet den Lauf mit Fehler / maximum items per RPDE page of a source")
    imprint_text: str = setting(
        "", "Text des Impressums (Absätze durch Leerzeilen); leer = Angaben aus PUBLISHER_NAME und CONTACT_EMAIL / imprint text; empty = built from the publisher settings")
    privacy_text: str = setting(
        "", "Text der Datenschutzerklärung (Absätze durch Leerzeilen); leer = Standardtext des Hubs / privacy notice; empty = the hub's default text")
    sitemap_max_urls: int = setting(
        50_000, "Adressen je sitemap.xml-Datei; darüber wird sie ein Index / URLs per sitemap file before it becomes an index")
    map_tile_url: str = setting(
        "", "Kachel-Adresse für eine zoombare Karte auf /karte (Leaflet), z. B. https://kacheln.example.de/{z}/{x}/{y}.png: ein Host, ohne {s}; nur dieser Host wird in der CSP erlaubt. Leer = nur die SVG-Karte, keine Anfrage an Dritte / tile URL template for a zoomable map on /karte; one host, no {s}; empty = only the SVG map, no third-party request")
    map_tile_attribution: str = setting(
        "", "Quellenangabe der Kacheln, z. B. „Kartendaten © OpenStreetMap-Mitwirkende“ (Nutzungsbedingungen des Kacheldiensts beachten) / attribution the tile service requires")
    search_matrix: bool = setting(
        True, "Suche, Filter und Facettenzahlen aus einer Kopie der Angebotsdaten im Arbeitsspeicher (einige MB je 100.000 Angebote und Prozess); false = nur SQL / searches, filters and facet counts from an in-memory copy of the offer data; false = SQL only")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def map_tile_origin(self) -> str:
        """The origin of MAP_TILE_URL (scheme://host[:port]); empty when no tiles are set."""
        return tile_origin(self.map_tile_url) if self.map_tile_url else ""

    @property
    def default_database_url(self) -> str:
        return f"sqlite:///{self.instance_path / 'bildungsdaten.sqlite'}"

    def url(self, path: str) -> str:
        """An absolute URL under HUB_BASE_URI (never from the request's host)."""
        return self.hub_base_uri.rstrip("/") + "/" + path.lstrip("/")


# Shorter admin passwords are guessed too easily (the lockout only slows a guesser down).
ADMIN_TOKEN_MIN_LENGTH = 16


class SettingsError(ValueError):
    """A setting the hub refuses to start with; the message says what to change (German)."""


def _convert(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.lower() in ("1", "true", "ja", "yes")
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
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
    check_admin_token(settings.admin_token)
    _ = settings.map_tile_origin  # a bad MAP_TILE_URL stops the start, saying why
    return settings


def tile_origin(template: str) -> str:
    """scheme://host[:port] of a tile URL template; SettingsError unless it is an http(s)
    address of one host with {z}, {x} and {y} in its path."""
    parts = urlsplit(template)
    if (parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc
            or not all(p in parts.path for p in ("{z}", "{x}", "{y}"))):
        raise SettingsError(
            "MAP_TILE_URL muss eine http(s)-Adresse eines einzigen Hosts mit {z}, {x} und {y} "
            "im Pfad sein (ohne {s}), z. B. https://kacheln.example.de/{z}/{x}/{y}.png; leer "
            "lassen zeigt nur die SVG-Karte.")
    return f"{parts.scheme}://{parts.netloc}"


def check_admin_token(token: str) -> None:
    """Refuse a set but short (or blank) ADMIN_TOKEN; empty means the admin pages are off."""
    if token and len(token.strip()) < ADMIN_TOKEN_MIN_LENGTH:
        raise SettingsError(
            f"ADMIN_TOKEN ist zu kurz: mindestens {ADMIN_TOKEN_MIN_LENGTH} Zeichen (ohne "
            "Leerzeichen am Rand) sind nötig, z. B. aus `python -c \"import secrets; "
            "print(secrets.token_urlsafe(24))\"`. Leer lassen schaltet die Verwaltungsseiten ab.")


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
