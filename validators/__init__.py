"""Pure upload checking: bytes -> decoded rows -> typed offers + a Report. No Flask, no database."""
