"""iCalendar in (issue 16): checking a calendar of ICS_MAX_EVENTS dates vs the CSV of the same
rows (the baseline: the template's own path), and refusing a 100,000-event calendar.

    .venv/bin/python -m bench.bench_ics [--events 20000]
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta

from bildungsdaten.validators import validate
from bildungsdaten.validators.ics_rows import HEADER, read_calendar

PRESETS = {"anbieter_name": "Familienbildung Bensheim", "lebensphase": "erwachsenenbildung",
           "preis": "45,00", "themenbereich": "sprachen", "angebotsform": "kurs",
           "sprache": "de", "zielgruppe": "Erwachsene", "abschlussart": "keiner",
           "url": "https://familienbildung.example/kurse", "barrierefrei_ort": "ja",
           "kontakt_email": "kurse@familienbildung.example"}


def calendar(events: int) -> bytes:
    """Realistic single events: 40 courses' dates, zone, description, address."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//DE"]
    first = date(2026, 1, 5)
    for i in range(events):
        day = first + timedelta(days=i % 500)
        lines += ["BEGIN:VEVENT", f"UID:bench-{i}@example.org", "DTSTAMP:20260101T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%d}T183000",
                  f"DTEND;TZID=Europe/Berlin:{day:%Y%m%d}T200000",
                  f"SUMMARY:Englisch A2 – Gruppe {i % 40}",
                  "DESCRIPTION:Wir wiederholen Grundstrukturen und üben Gespräche im Alltag"
                  "\\, auf Reisen und im Beruf.",
                  "LOCATION:vhs-Haus\\, Raum 3\\, Graben 16\\, 64646 Heppenheim",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def timed(data: bytes, filename: str) -> tuple[float, float, bool, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = validate(data, filename=filename, defaults=PRESETS, parallel=False)
    return (time.perf_counter() - wall, time.process_time() - cpu, result.valid,
            result.report.rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    events = parser.parse_args().events
    ics = calendar(events)
    rows = read_calendar(ics, max_events=events, defaults=PRESETS).rows
    csv = "\r\n".join(";".join(c.replace(";", ",").replace("\n", " ") for c in cells)
                      for _n, cells in rows).encode()
    assert rows[0][1] == list(HEADER)
    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"{events:,} dates: .ics {len(ics) / 1e6:.1f} MB, the same rows as CSV "
          f"{len(csv) / 1e6:.1f} MB")
    print(f"{'input':28} {'wall s':>8} {'CPU s':>8} {'rows':>8} valid")
    for name, data, filename in (("CSV (baseline)", csv, "kurse.csv"),
                                 ("iCalendar", ics, "kurse.ics")):
        wall, cpu, valid, count = timed(data, filename)
        print(f"{name:28} {wall:8.2f} {cpu:8.2f} {count:8,} {valid}")
    # Minimal events, so the file stays under the size limit and the event count refuses it.
    big = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + b"".join(
        b"BEGIN:VEVENT\r\nUID:e%d@x\r\nDTSTART:20260301T090000Z\r\nSUMMARY:Kurs\r\n"
        b"END:VEVENT\r\n" % i for i in range(100_000)) + b"END:VCALENDAR\r\n"
    wall, cpu, valid, _count = timed(big, "riesig.ics")
    print(f"{'100,000 events (refused)':28} {wall:8.2f} {cpu:8.2f} {0:8,} {valid}"
          f"   ({len(big) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
