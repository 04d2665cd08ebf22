"""Password hashes of the named accounts: Argon2id via argon2-cffi (salted, memory-hard)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1000  # hashing a megabyte "password" would only burn CPU

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when the account does not exist, so a wrong name takes as long as a wrong
    password (made on first use: every CLI command imports this module)."""
    return _hasher.hash("kein-konto-vorhanden")


def password_problem(password: str) -> str | None:
    """Why a new password is refused (German), or None."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, given: str) -> bool:
    """True when `given` matches the stored hash (constant work also without a hash)."""
    if len(given) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _dummy_hash(), given) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(stored)
