"""Normalised search keys, maintained in Python (the embedded server has no unaccent/pg_trgm)."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def name_key(*parts: str) -> str:
    """Lower-case, accents stripped, punctuation dropped, single spaces: 'O’Brien, Seán' -> 'obrien sean'."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("\u2019", "")
    text = _NON_ALNUM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def pnc_key(pnc_id: str) -> str:
    """Canonical PNC id: upper case, no spaces, year in 2 digits' form kept as given."""
    return re.sub(r"\s+", "", pnc_id or "").upper()


def vrm_key(vrm: str) -> str:
    """Canonical vehicle registration mark: upper case, letters and digits only ('ab12 cde' -> 'AB12CDE')."""
    return re.sub(r"[^A-Z0-9]", "", (vrm or "").upper())


def imei_key(imei: str) -> str:
    """Canonical IMEI: its digits only ('35-209900-176148-1' -> '352099001761481')."""
    return re.sub(r"\D", "", imei or "")


def handle_key(handle: str) -> str:
    """Canonical social media handle: lower case, no '@', the last part of a profile URL.

    '@John.Doe', 'john.doe', 'instagram.com/john.doe' and 'https://www.instagram.com/John.Doe/'
    all give 'john.doe'.
    """
    text = (handle or "").strip().lower()
    if "/" in text:
        text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        text = text.rsplit("/", 1)[-1]
    return _SPACES.sub("", text).lstrip("@")


def luhn_valid(digits: str) -> bool:
    """True if the string of digits passes the Luhn check (the last digit of an IMEI)."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Great Britain and Northern Ireland registration marks: current (AB12CDE), prefix (A123BCD),
# suffix (ABC123D), dateless (1-3 letters and 1-4 digits either way round), Northern Ireland (ABZ1234).
_VRM_PATTERNS = [
    re.compile(p)
    for p in (
        r"^[A-Z]{2}[0-9]{2}[A-Z]{3}$",
        r"^[A-Z][0-9]{1,3}[A-Z]{3}$",
        r"^[A-Z]{3}[0-9]{1,3}[A-Z]$",
        r"^[A-Z]{1,3}[0-9]{1,4}$",
        r"^[0-9]{1,4}[A-Z]{1,3}$",
        r"^[A-Z]{1,3}[0-9]{1,4}[A-Z]?$",
    )
]


def vrm_plausible(vrm: str) -> bool:
    """True if the mark (any spacing or case) has the shape of a GB or NI registration mark."""
    key = vrm_key(vrm)
    return (
        2 <= len(key) <= 7
        and key == re.sub(r"\s+", "", (vrm or "").upper())
        and any(p.match(key) for p in _VRM_PATTERNS)
    )
