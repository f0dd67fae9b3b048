"""Demo subjects: fictional people, four per force (a different four in each), with aliases and a
few profile records each (addresses, devices, social media accounts, vehicles)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Subject
from .services import create_subject, update_subject

# Fictional people only. Names are invented; postcodes use the non-geographic ZZ area, phone numbers
# Ofcom's drama range (07700 900000-900999), and every IMEI passes its Luhn digit as a real one must.
DEMO_SUBJECTS = [
    ("Hartley", "Dominic James", dt.date(1984, 3, 12), ["Dom Hartley"]),
    ("Varga", "Petra", dt.date(1990, 7, 2), []),
    ("Okafor", "Samuel", dt.date(1977, 11, 23), ["Sam O", "Samuel Oakes"]),
    ("Lindqvist", "Erik", dt.date(1969, 1, 30), []),
    ("Pemberton", "Grace Eleanor", dt.date(1995, 5, 17), ["Gracie Pemberton"]),
    ("Mallory", "Keith", dt.date(1981, 9, 8), []),
]


def _home(address: str, postcode: str, since: dt.date, until: dt.date | None = None) -> dict[str, Any]:
    return {"kind": "home", "address": address, "postcode": postcode, "known_from": since, "known_to": until}


def _phone(make_model: str, imei: str, number: str, since: dt.date) -> dict[str, Any]:
    return {
        "kind": "Mobile phone",
        "make_model": make_model,
        "imei": imei,
        "phone_number": number,
        "known_from": since,
    }


#: Per family name: the records of the demo subject (each list replaced whole by the services).
DEMO_RECORDS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "Hartley": {
        "addresses": [
            _home("14 Larkspur Close, Northgate", "ZZ1 4AB", dt.date(2021, 6, 1)),
            _home("Flat 3, 88 Mill Lane, Northgate", "ZZ1 7QD", dt.date(2017, 2, 1), dt.date(2021, 5, 31)),
        ],
        "devices": [_phone("Samsung Galaxy S21", "353946101234562", "07700 900123", dt.date(2022, 1, 10))],
        "social_accounts": [
            {"platform": "Instagram", "handle": "@dom.hartley84", "status": "active"},
            {"platform": "Facebook", "handle": "facebook.com/dominic.hartley.5", "status": "suspended"},
        ],
        "vehicles": [
            {"vrm": "DM19 XKT", "make": "Ford", "model": "Focus", "colour": "Grey", "keeper_status": "keeper"}
        ],
    },
    "Varga": {
        "addresses": [_home("2 Orchard Row, Eastbridge", "ZZ2 3HF", dt.date(2023, 9, 15))],
        "devices": [
            _phone("Apple iPhone 13", "358756111234568", "07700 900456", dt.date(2023, 1, 5)),
            {
                "kind": "Laptop",
                "make_model": "Lenovo ThinkPad",
                "serial_number": "PF-2XK9Q1",
                "known_from": None,
            },
        ],
        "social_accounts": [{"platform": "TikTok", "handle": "@petra_v_90", "status": "active"}],
        "vehicles": [],
    },
    "Okafor": {
        "addresses": [
            _home("41 Station Road, Westholm", "ZZ3 9LP", dt.date(2019, 3, 1)),
            {"kind": "other", "address": "Unit 7, Riverside Trading Estate (works)", "postcode": "ZZ3 2TE"},
        ],
        "devices": [_phone("Google Pixel 7", "867531091234563", "07700 900789", dt.date(2023, 4, 20))],
        "social_accounts": [
            {"platform": "X", "handle": "@sam_oakes77", "status": "active"},
            {"platform": "Snapchat", "handle": "samo.77", "status": "not-known"},
        ],
        "vehicles": [
            {
                "vrm": "OK67 BNR",
                "make": "Vauxhall",
                "model": "Astra",
                "colour": "Blue",
                "keeper_status": "keeper",
            },
            {
                "vrm": "EY21 HZD",
                "make": "Ford",
                "model": "Transit",
                "colour": "White",
                "keeper_status": "user",
            },
        ],
    },
    "Lindqvist": {
        "addresses": [{"kind": "nfa", "address": "", "postcode": "", "known_from": dt.date(2025, 8, 1)}],
        "devices": [_phone("Nokia 105", "352099001234562", "07700 900321", dt.date(2024, 11, 2))],
        "social_accounts": [
            {"platform": "Facebook", "handle": "facebook.com/erik.lindqvist.69", "status": "closed"}
        ],
        "vehicles": [],
    },
    "Pemberton": {
        "addresses": [_home("9 Cedar Gardens, Southmere", "ZZ4 6RW", dt.date(2020, 10, 1))],
        "devices": [_phone("Apple iPhone 15", "356711201234566", "07700 900654", dt.date(2024, 2, 14))],
        "social_accounts": [
            {"platform": "Instagram", "handle": "@gracie.p.95", "status": "active"},
            {"platform": "TikTok", "handle": "@graciepemb", "status": "active"},
        ],
        "vehicles": [
            {
                "vrm": "GP70 LWM",
                "make": "Toyota",
                "model": "Yaris",
                "colour": "Red",
                "keeper_status": "keeper",
            }
        ],
    },
    "Mallory": {
        "addresses": [
            _home("27 Foundry Street, Northgate", "ZZ1 8NN", dt.date(2016, 5, 1)),
        ],
        "devices": [
            _phone("Motorola Moto G", "359254061234563", "07700 900987", dt.date(2022, 7, 7)),
            _phone("Samsung Galaxy A14", "868915041234568", "07700 900988", dt.date(2024, 3, 3)),
        ],
        "social_accounts": [{"platform": "X", "handle": "@k_mallory81", "status": "active"}],
        "vehicles": [
            {
                "vrm": "KM15 FTR",
                "make": "BMW",
                "model": "3 Series",
                "colour": "Black",
                "keeper_status": "keeper",
            }
        ],
    },
}


def _records_of(family: str) -> dict[str, Any]:
    return dict(DEMO_RECORDS.get(family, {}))


def seed_subjects(force: Any) -> None:
    if Subject.objects.exists():
        _top_up_records()
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
            **_records_of(family),
        )


def _top_up_records() -> None:
    """Demo subjects seeded before profile records existed get theirs (once: only when they hold none)."""
    demo = Subject.objects.filter(niche_nominal_ref__startswith="DEMO-").with_profile()
    for subject in demo:
        held = any(
            getattr(subject, name).all() for name in ("addresses", "devices", "social_accounts", "vehicles")
        )
        records = _records_of(subject.family_name)
        if records and not held:
            update_subject(actor=None, subject=subject, **records)
