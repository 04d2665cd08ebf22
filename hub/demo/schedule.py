"""How demo courses meet: rhythms, weekdays, times, and the dates that follow from them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


@dataclass(frozen=True)
class Schedule:
    """How a kind of course meets: rhythm, weekdays, times, number of sessions."""

    rhythm: str | None
    days: tuple[str, ...]
    times: tuple[tuple[int, int, int, int], ...]
    sessions: tuple[int, int]
    time_forms: tuple[str, ...] = ()
    all_days: bool = False  # meets on every day of `days` (block, daily), else on one of them
    rolling: bool = False  # rolling entry, open end
    open_end: bool = False  # no end date


S = Schedule
EVENING = ((18, 0, 19, 30), (18, 30, 20, 0), (19, 0, 20, 30), (19, 30, 21, 0))
SCHEDULES: dict[str, Schedule] = {
    "abend": S("woechentlich", ("Mo", "Di", "Mi", "Do"), EVENING, (6, 12), ("abends", "teilzeit")),
    "vormittag": S("woechentlich", WEEKDAYS[:5], ((9, 0, 10, 30), (9, 30, 11, 0), (10, 0, 11, 30)),
                   (6, 10), ("vormittags",)),
    "nachmittag": S("woechentlich", WEEKDAYS[:5],
                    ((14, 30, 15, 15), (15, 0, 16, 0), (16, 0, 17, 0), (16, 30, 17, 15)), (8, 15)),
    "wochenende": S("block", ("Sa", "So"), ((9, 30, 16, 30), (10, 0, 17, 0)), (2, 2),
                    ("wochenende",), all_days=True),
    "samstag": S("einmalig", ("Sa",), ((10, 0, 13, 0), (9, 30, 15, 30), (14, 0, 17, 0)), (1, 1),
                 ("wochenende",)),
    "bildungsurlaub": S("taeglich", WEEKDAYS[:5], ((8, 30, 15, 30), (9, 0, 16, 0)), (5, 5),
                        ("vollzeit",), all_days=True),
    "ferien": S("taeglich", WEEKDAYS[:5], ((9, 0, 13, 0), (10, 0, 15, 0)), (5, 5),
                all_days=True),
    "vollzeit": S("taeglich", WEEKDAYS[:5], ((8, 0, 15, 30), (8, 30, 16, 0)), (40, 400),
                  ("vollzeit",), all_days=True),
    "berufsbegleitend": S("woechentlich", ("Di", "Do"), ((18, 0, 21, 15),), (20, 120),
                          ("berufsbegleitend", "teilzeit", "abends"), all_days=True),
    "einmalig": S("einmalig", WEEKDAYS[:5], EVENING, (1, 1), ("abends",)),
    "monatlich": S("monatlich", WEEKDAYS[:6], ((15, 0, 17, 0), (19, 0, 21, 0)), (4, 10)),
    "vierzehntaegig": S("vierzehntaegig", WEEKDAYS[:5], ((18, 30, 20, 0), (17, 0, 19, 15)),
                        (4, 8), ("abends",)),
    "laufend": S("woechentlich", WEEKDAYS[:5], ((10, 0, 12, 0), (15, 0, 17, 0), (18, 0, 20, 0)),
                 (0, 0), rolling=True, open_end=True),
    "sprechstunde": S("unregelmaessig", WEEKDAYS[:5], ((10, 0, 12, 0), (16, 0, 18, 0)), (0, 0),
                      rolling=True, open_end=True),
    "semester": S("woechentlich", WEEKDAYS[:5], ((14, 0, 14, 45), (15, 0, 15, 45),
                                                 (16, 0, 16, 45), (17, 0, 18, 0)),
                  (0, 0), open_end=True),
    "selbstlern": S(None, (), (), (0, 0), rolling=True, open_end=True),
}
# A title that names when a course meets decides its schedule (first match wins).
TITLE_SCHEDULES = (
    ("Bildungsurlaub", "bildungsurlaub"), ("am Wochenende", "wochenende"),
    ("am Samstag", "samstag"), ("am Vormittag", "vormittag"), ("am Nachmittag", "nachmittag"),
    ("am Abend", "abend"), ("im Abendkurs", "berufsbegleitend"), ("(Abendform)", "berufsbegleitend"),
    ("in den Ferien", "ferien"), ("in Vollzeit", "vollzeit"), ("Umschulung", "vollzeit"),
    ("in Teilzeit", "berufsbegleitend"), ("erufsbegleitend", "berufsbegleitend"),
    ("Sprechstunde", "sprechstunde"), ("offener Treff", "laufend"),
    ("Einstieg jederzeit", "laufend"), ("Kochabend", "einmalig"), ("Elternabend", "einmalig"),
    ("Diskussionsabend", "einmalig"), ("– Vortrag", "einmalig"), ("Fachtag", "einmalig"),
)
STEP_DAYS = {"woechentlich": 7, "vierzehntaegig": 14, "monatlich": 28}


def align(day: date, weekdays: list[str]) -> date:
    """The first date on or after `day` that falls on one of `weekdays` (Mo … So)."""
    if not weekdays:
        return day
    wanted = {WEEKDAYS.index(w) for w in weekdays}
    while day.weekday() not in wanted:
        day += timedelta(days=1)
    return day


def end_date(start: date, schedule: Schedule, sessions: int | None) -> date | None:
    """The last date of a run starting on `start` (None for open-ended schedules)."""
    if schedule.open_end or not sessions:
        return None
    if schedule.rhythm == "taeglich":  # Monday to Friday
        return start + timedelta(days=7 * ((sessions - 1) // 5) + (sessions - 1) % 5)
    if schedule.rhythm == "block":
        return start + timedelta(days=sessions - 1)
    if schedule.all_days and len(schedule.days) == 2:  # two evenings a week
        weeks, extra = divmod(sessions - 1, 2)
        return start + timedelta(days=7 * weeks + 2 * extra)
    return start + timedelta(days=STEP_DAYS.get(schedule.rhythm or "", 0) * (sessions - 1))
