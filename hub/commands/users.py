"""`bildungsdaten users create|list|disable|enable|reset-totp`: the office's named accounts.

Passwords are read from a hidden prompt or stdin (--password-stdin), never from an argument:
arguments end up in the shell history and in `ps`. Every change is audited as "cli:<user>".
"""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from ..auth import users as accounts
from ..auth.audit import cli_actor, record
from ..auth.models import ROLES, User
from ..db import transaction
from . import HubCLIError, open_database


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt=(
            "Passwort wiederholen"), err=True)
    if not password:
        raise HubCLIError("Kein Passwort angegeben.")
    return password


def _user(session: sa.orm.Session, username: str) -> User:
    user = accounts.find_user(session, username)
    if user is None:
        raise HubCLIError(f"Ein Konto „{username}“ gibt es nicht. Alle Konten zeigt "
                          "`bildungsdaten users list`.")
    return user


@click.group("users")
def users() -> None:
    """Konten der Verwaltung anlegen, auflisten, sperren und entsperren."""


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(list(ROLES), case_sensitive=False),
              help="Rolle (mehrfach möglich): administrator, umfrage, anbieter")
@click.option("--name", default="", help="Anzeigename (Standard: der Benutzername)")
@click.option("--password-stdin", is_flag=True,
              help="Passwort aus der ersten Zeile der Standardeingabe lesen (für Skripte)")
def create(username: str, roles: tuple[str, ...], name: str, password_stdin: bool) -> None:
    """Legt das Konto USERNAME an; das Passwort wird verdeckt abgefragt."""
    password = _read_password(password_stdin)
    try:
        with open_database() as db, transaction(db.sessions) as session:
            user = accounts.create_user(session, username, name, roles, password)
            record(session, "user.created", user.username, {"rollen": user.roles.split()},
                   actor=cli_actor())
            created = user.username
            labels = ", ".join(ROLES[r] for r in user.roles.split())
    except accounts.AccountError as exc:
        raise HubCLIError(exc.message) from None
    click.echo(f"Konto „{created}“ angelegt (Rollen: {labels}).")


@users.command("list")
def list_() -> None:
    """Zeigt alle Konten mit Rollen, Status und letzter Anmeldung."""
    with open_database() as db, db.sessions() as session:
        rows = session.execute(sa.select(User).order_by(User.username)).scalars().all()
    if not rows:
        click.echo("Noch keine Konten. Anlegen: bildungsdaten users create NAME --role "
                   "administrator")
    for u in rows:
        state = "gesperrt" if u.disabled else "aktiv"
        factor = "Zwei-Faktor" if u.totp_secret else "ohne Zwei-Faktor"
        last = f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "nie"
        click.echo(f"{u.username}\t{u.display_name}\t{','.join(u.roles.split())}\t{state}\t"
                   f"{factor}\tzuletzt angemeldet: {last}")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Sperrt ein Konto und beendet sofort seine offenen Anmeldungen."""
    try:
        with open_database() as db, transaction(db.sessions) as session:
            user = _user(session, username)
            if user.disabled:
                click.echo(f"Konto „{user.username}“ war bereits gesperrt.")
                return
            ended = accounts.disable(session, user)
            record(session, "user.disabled", user.username, {"beendete_sitzungen": ended},
                   actor=cli_actor())
    except accounts.AccountError as exc:
        raise HubCLIError(exc.message) from None
    click.echo(f"Konto „{username}“ gesperrt; {ended} offene Anmeldung(en) beendet.")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Entsperrt ein Konto."""
    with open_database() as db, transaction(db.sessions) as session:
        user = _user(session, username)
        if not user.disabled:
            click.echo(f"Konto „{user.username}“ ist nicht gesperrt.")
            return
        accounts.enable(user)
        record(session, "user.enabled", user.username, actor=cli_actor())
    click.echo(f"Konto „{username}“ entsperrt.")


@users.command("reset-totp")
@click.argument("username")
def reset_totp(username: str) -> None:
    """Entfernt die Zwei-Faktor-Anmeldung eines Kontos (z. B. Telefon verloren)."""
    with open_database() as db, transaction(db.sessions) as session:
        user = _user(session, username)
        if not accounts.reset_totp(session, user):
            click.echo(f"Konto „{user.username}“ hat keine Zwei-Faktor-Anmeldung.")
            return
        record(session, "user.totp_reset", user.username, actor=cli_actor())
    click.echo(f"Zwei-Faktor-Anmeldung von „{username}“ entfernt; die Person kann sie unter "
               "„Mein Konto“ neu einrichten.")


def register(cli: click.Group) -> None:
    cli.add_command(users)
