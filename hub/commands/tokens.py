"""`bildungsdaten tokens create|list|revoke`: API tokens of providers (shown once)."""
from __future__ import annotations

import click
import sqlalchemy as sa

from ..auth.audit import cli_actor, record
from ..auth.tokens import create_token, find_tokens, revoke
from ..db import transaction
from ..models import ApiToken
from . import HubCLIError
from .providers import hub_database, provider_by_slug


@click.group("tokens")
def tokens() -> None:
    """API-Tokens der Anbieter erzeugen, auflisten und sperren."""


@tokens.command("create")
@click.argument("slug")
@click.option("--label", help="Wofür das Token ist (z. B. „Export aus Kursverwaltung“)")
def create(slug: str, label: str | None) -> None:
    """Erzeugt ein Token für den Anbieter SLUG und zeigt es EINMAL an."""
    with hub_database() as (_settings, sessions), transaction(sessions) as session:
        provider = provider_by_slug(session, slug)
        token, row = create_token(session, provider.id, label)
        session.flush()
        token_id = row.id
        record(session, "token.created", slug, {"token": token_id, "anfang": row.prefix,
                                                "bezeichnung": label}, actor=cli_actor())
    click.echo(token)
    click.echo(f"Token {token_id} für „{slug}“ erzeugt. Es wird nur dieses eine Mal angezeigt; "
               "gespeichert ist nur sein Hash.", err=True)


@tokens.command("list")
@click.argument("slug")
def list_(slug: str) -> None:
    """Zeigt die Tokens eines Anbieters (nur ihren Anfang)."""
    with hub_database() as (_settings, sessions), sessions() as session:
        provider = provider_by_slug(session, slug)
        rows = session.execute(sa.select(ApiToken).where(ApiToken.provider_id == provider.id)
                               .order_by(ApiToken.id)).scalars().all()
    if not rows:
        click.echo(f"„{slug}“ hat keine Tokens.")
    for row in rows:
        state = f"gesperrt {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "aktiv"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "nie"
        click.echo(f"{row.id}\t{row.prefix}…\t{state}\tzuletzt benutzt: {used}\t{row.label or ''}")


@tokens.command("revoke")
@click.argument("token_prefix_or_id")
def revoke_(token_prefix_or_id: str) -> None:
    """Sperrt ein Token (Nummer aus `tokens list` oder sein Anfang, z. B. bdh_AbC…)."""
    with hub_database() as (_settings, sessions), transaction(sessions) as session:
        found = find_tokens(session, token_prefix_or_id)
        if not found:
            raise HubCLIError(f"Kein Token passt zu „{token_prefix_or_id}“.")
        if len(found) > 1:
            raise HubCLIError(f"„{token_prefix_or_id}“ passt zu {len(found)} Tokens "
                              f"({', '.join(str(t.id) for t in found)}); bitte die Nummer angeben.")
        token = found[0]
        already = token.revoked_at is not None
        revoke(session, token)
        label = f"{token.id} ({token.prefix}…)"
        if not already:
            record(session, "token.revoked", token.provider.slug,
                   {"token": token.id, "anfang": token.prefix}, actor=cli_actor())
    click.echo(f"Token {label} war bereits gesperrt." if already else f"Token {label} gesperrt.")


def register(cli: click.Group) -> None:
    cli.add_command(tokens)
