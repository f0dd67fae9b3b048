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
