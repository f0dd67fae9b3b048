"""Helpers for the caseload import tests: files made from rows, imports run in a force's schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from orders.forms import IMPORT_COLUMNS
from orders.imports import ImportReport, import_caseload

COURT = "Lincoln Magistrates' Court"


def today() -> dt.date:
    return timezone.localdate()


def uk(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def row(n: int = 1, **cells: Any) -> dict[str, str]:
    """A clean row: subject n with an SPO served ten days ago, until further order."""
    served = today() - dt.timedelta(days=10)
    base = {
        "pnc_id": f"20/{1000 + n}A",
        "niche_nominal_ref": f"NICHE-{n}",
        "family_name": f"Imported{n}",
        "given_names": "Alex",
        "date_of_birth": "14/02/1980",
        "gender": "male",
        "order_type": "SPO",
        "court": COURT,
        "case_number": f"CASE-{n}",
        "made_on": uk(served),
        "served_on": uk(served),
        "until_further_order": "yes",
    }
    base.update({k: ("" if v is None else str(v)) for k, v in cells.items()})
    return base


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] | list[str] = IMPORT_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def run(force: Any, data: bytes, *, actor: Any = None, **kwargs: Any) -> ImportReport:
    with schema_context(force.schema_name):
        report = import_caseload(data, actor=actor, **kwargs)
    connection.set_schema_to_public()
    return report


def where(report: ImportReport) -> set[tuple[int | None, str, str]]:
    """(row, column, code) of every problem."""
    return {(p.row, p.column, p.code) for p in report.problems}
