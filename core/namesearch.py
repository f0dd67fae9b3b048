"""Part-of-a-name search through an index, without pg_trgm (the embedded server has none).

``name_search`` holds a name's normalised key (``core.normalise.name_key``). Finding "any part of
a name" was ``name_search LIKE '%morr%'``: a sequential scan of every subject and every alias
(issue 10: x4 a PNC lookup at 3,000 subjects, growing with the force). Here each key's trigrams
(every three-character run, spaces included) come from one immutable SQL function,
``public.spmp_name_trigrams(text)``, over which a GIN index is built (``name_trigram_index``). A
part of three characters or more holds only trigrams its matches hold, so
``spmp_name_trigrams(name_search) @> spmp_name_trigrams('morr')`` is answered by the index, and
``strpos`` then rechecks the candidates (``has_part_sql``); a shorter part (no trigram) is the plain scan.

The function lives in ``public`` so one definition serves every force schema and the clone template
(an index in a force's schema names it; ``migrate_all --parallel`` creates it under an advisory
lock, see ``CREATE_FUNCTION``).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Func

FUNCTION = "public.spmp_name_trigrams"

#: Idempotent, and serialised by an advisory lock held to the end of the migration's transaction:
#: concurrent ``CREATE OR REPLACE FUNCTION`` on one function fails ("tuple concurrently updated").
CREATE_FUNCTION = f"""
SELECT pg_advisory_xact_lock(hashtext('{FUNCTION}'));
CREATE OR REPLACE FUNCTION {FUNCTION}(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT substr($1, i, 3)), '{{}}')
      FROM generate_series(1, length($1) - 2) AS i $$;
"""  # noqa: S608 (a constant: FUNCTION is this module's name, no input)


class NameTrigrams(Func):
    function = FUNCTION
    output_field = ArrayField(models.TextField())


def name_trigram_index(name: str) -> GinIndex:
    """The GIN index over ``name_search``'s trigrams that ``has_part_sql`` uses.

    ``fastupdate`` off: with it on, rows inserted since the last vacuum sit in an unordered pending
    list that every search reads in full (a bulk import or a fresh force made the index 100 times
    slower and the planner fall back to the scan). Subjects and aliases are written one at a time
    by officers, so the cost moves to where it is small.
    """
    return GinIndex(NameTrigrams("name_search"), name=name, fastupdate=False)


def has_part_sql(column: str, key: str) -> tuple[str, list[str]]:
    """SQL and parameters for "``column`` (a normalised name key) holds ``key`` anywhere".

    ``key`` is a ``name_key`` (letters, digits and single spaces), so ``strpos`` needs no escaping
    as a LIKE pattern would. Under three characters there is no trigram to look up: the plain scan.
    """
    found = f"strpos({column}, %s) > 0"
    if len(key) < 3:
        return found, [key]
    return f"({FUNCTION}({column}) @> {FUNCTION}(%s) AND {found})", [key, key]
