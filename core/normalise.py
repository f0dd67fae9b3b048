"""Normalised search keys, maintained in Python (the embedded server has no unaccent/pg_trgm)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


_PNC_SHAPE = re.compile(r"^\d{2}(\d{2})?/\d{1,7}[A-Z]$")
_IMEI_TYPED = re.compile(r"^[0-9 -]+$")
#: Characters no name or alias holds (name_key would drop them) but identifiers do.
_NOT_IN_NAMES = re.compile(r"[0-9@/_]")


@dataclass(frozen=True)
class SearchTerms:
    """What one search-box term could be, as the key each is looked up by ("" when it cannot be that).

    A name is only what could be one: a term with a digit, '@', '/' or '_' is an identifier, looked up
    on its indexed key columns alone, never by scanning names (issue 11: VRM, IMEI and handle search
    within 3x a PNC lookup).
    """

    name: str = ""
    pnc: str = ""
    vrm: str = ""
    imei: str = ""
    handle: str = ""


def search_terms(text: str) -> SearchTerms:
    raw = (text or "").strip()
    if not raw:
        return SearchTerms()
    pnc = pnc_key(raw) if _PNC_SHAPE.match(pnc_key(raw)) else ""
    imei = imei_key(raw) if 14 <= len(imei_key(raw)) <= 15 and _IMEI_TYPED.match(raw) else ""
    return SearchTerms(
        name="" if _NOT_IN_NAMES.search(raw) else name_key(raw),
        pnc=pnc,
        vrm=vrm_key(raw) if vrm_plausible(raw) else "",
        imei=imei,
        # A handle has no spaces (a profile URL is one too); a PNC id or an IMEI is not one.
        handle=handle_key(raw) if " " not in raw and not (pnc or imei) else "",
    )
