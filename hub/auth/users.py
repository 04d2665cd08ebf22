"""The office's named accounts: create, sign in, roles, disable/enable, second factor.

Pure database work on a session the caller commits (the web pages and the CLI share it);
every change that the audit log must show is recorded by the caller in the same transaction.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import begin_write
from ..models import utcnow
from . import web_sessions
from .models import ADMINISTRATOR, ROLES, User
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .totp import accepted_step

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass
class AccountError(ValueError):
    """Refused account input: a stable code, a German message and the field it is about."""

    code: str
    message: str
    field: str

    def __str__(self) -> str:
        return self.message


def normal_username(raw: str) -> str:
    """The stored form of a user name (lower case), or AccountError."""
    name = raw.strip().lower()
    if not USERNAME.match(name):
        raise AccountError("invalid-username", "Der Benutzername darf nur Kleinbuchstaben, "
                           "Ziffern, Punkt, Binde- und Unterstrich enthalten (2–64 Zeichen).",
                           "benutzername")
    return name


def role_codes(raw: Iterable[str]) -> str:
    """Role codes as stored (sorted, space-separated), or AccountError for an unknown one."""
    codes = {r.strip().lower() for r in raw if r.strip()}
    unknown = sorted(codes - ROLES.keys())
    if unknown:
        raise AccountError("unknown-role", f"Unbekannte Rolle „{unknown[0]}“. Erlaubt: "
                           f"{', '.join(ROLES)}.", "rollen")
    if not codes:
        raise AccountError("no-role", "Bitte mindestens eine Rolle wählen.", "rollen")
    return " ".join(sorted(codes))


def count_users(db: Session) -> int:
    return int(db.execute(sa.select(sa.func.count()).select_from(User)).scalar_one())


def find_user(db: Session, username: str) -> User | None:
    name = username.strip().lower()
    if not USERNAME.match(name):
        return None
    return db.execute(sa.select(User).where(User.username == name)).scalar()


def create_user(db: Session, username: str, display_name: str, roles: Iterable[str],
                password: str) -> User:
    """A new enabled account; AccountError (nothing written) for bad input or a taken name."""
    name = normal_username(username)
    codes = role_codes(roles)
    display = display_name.strip() or name
    if len(display) > 200:
        raise AccountError("name-too-long", "Der Name darf höchstens 200 Zeichen lang sein.",
                           "name")
    problem = password_problem(password)
    if problem:
        raise AccountError("weak-password", problem, "passwort")
    if find_user(db, name) is not None:
        raise AccountError("username-taken", f"Den Benutzernamen „{name}“ gibt es schon.",
                           "benutzername")
    user = User(username=name, display_name=display, roles=codes,
                password_hash=hash_password(password), disabled=False, created_at=utcnow())
    db.add(user)
    db.flush()
    return user


def create_first_administrator(db: Session, username: str, display_name: str,
                               password: str) -> User:
    """The first account (role administrator), only while there is none: the check runs under
    a write lock, so two setup forms sent at once cannot make two administrators."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
    else:
        begin_write(db)
    if count_users(db):
        raise AccountError("already-set-up", "Es gibt schon ein Konto. Bitte melden Sie sich "
                           "damit an.", "benutzername")
    return create_user(db, username, display_name, [ADMINISTRATOR], password)


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The enabled account with this name and password, or None (same work either way)."""
    user = find_user(db, username)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if user.disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_second_factor(user: User, code: str) -> bool:
    """True when the account has no second factor or `code` is a fresh valid one (noted)."""
    if not user.totp_secret:
        return True
    step = accepted_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _active_administrators(db: Session) -> int:
    return int(db.execute(sa.select(sa.func.count()).select_from(User).where(
        User.disabled.is_(False), User.roles.contains(ADMINISTRATOR))).scalar_one())


def _keep_an_administrator(db: Session, user: User) -> None:
    if (ADMINISTRATOR in user.role_set and not user.disabled
            and _active_administrators(db) <= 1):
        raise AccountError("last-administrator", "Das ist das letzte aktive Konto mit der Rolle "
                           "Administration; legen Sie zuerst ein weiteres an.", "rollen")


def disable(db: Session, user: User) -> int:
    """Disable the account and end its open sessions at once; returns how many were ended."""
    _keep_an_administrator(db, user)
    user.disabled = True
    return web_sessions.end_for_user(db, user.id)


def enable(user: User) -> None:
    user.disabled = False


def set_roles(db: Session, user: User, roles: Iterable[str]) -> tuple[str, str]:
    """Replace the roles; returns (before, after)."""
    codes = role_codes(roles)
    if ADMINISTRATOR not in codes.split():
        _keep_an_administrator(db, user)
    before, user.roles = user.roles, codes
    return before, codes


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError("weak-password", problem, "passwort")
    user.password_hash = hash_password(password)


def reset_totp(db: Session, user: User) -> bool:
    """Remove the second factor and end the account's sessions (a lost phone: whoever holds
    it or a signed-in browser must sign in again, and enrolment offers a new secret, which
    derives from the sign-in); False when there was none."""
    had = user.totp_secret is not None
    user.totp_secret = user.totp_last_step = None
    web_sessions.end_for_user(db, user.id)
    return had
