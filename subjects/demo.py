"""Demo subjects: fictional people, four per force (a different four in each), with aliases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Subject
from .services import create_subject

# Fictional people only. Names are invented; PNC ids use the impossible year 00 prefix pattern.
DEMO_SUBJECTS = [
    ("Hartley", "Dominic James", dt.date(1984, 3, 12), ["Dom Hartley"]),
    ("Varga", "Petra", dt.date(1990, 7, 2), []),
    ("Okafor", "Samuel", dt.date(1977, 11, 23), ["Sam O", "Samuel Oakes"]),
    ("Lindqvist", "Erik", dt.date(1969, 1, 30), []),
    ("Pemberton", "Grace Eleanor", dt.date(1995, 5, 17), ["Gracie Pemberton"]),
    ("Mallory", "Keith", dt.date(1981, 9, 8), []),
]


def seed_subjects(force: Any) -> None:
    if Subject.objects.exists():
        return
    offset = sum(map(ord, force.slug)) % len(DEMO_SUBJECTS)
    for i in range(4):
        family, given, dob, aliases = DEMO_SUBJECTS[(offset + i) % len(DEMO_SUBJECTS)]
        create_subject(
            actor=None,
            family_name=family,
            given_names=given,
            date_of_birth=dob,
            aliases=aliases,
            niche_nominal_ref=f"DEMO-{force.slug[:4].upper()}-{1000 + i}",
            confirm_new=True,
        )
