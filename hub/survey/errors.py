"""One error type for the survey area: a stable code, a German message, the place."""
from __future__ import annotations


class SurveyError(Exception):
    """Bad input or a refused release; `code` is stable, `message` German, `where` the place."""

    def __init__(self, code: str, message: str, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.code = code
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message
