"""Importing a force's caseload from a CSV file (issue 11, item 7).

The file: a header row naming the columns (``orders.forms.IMPORT_COLUMNS``, the fields of
``CaseloadRowForm``; the template download is that row), then one row per subject and, if any,
one of their orders. A subject with two orders takes two rows: the second may leave the subject's
columns empty but for its PNC id or Niche nominal reference. At most ``MAX_ROWS`` rows and
``MAX_BYTES`` bytes, UTF-8 (a byte-order mark is fine). Order terms are not imported: they are
recorded on the order's page.

Every cell is read by that form and every record checked by the services' own rules
(``subjects.services.check_subject``, ``orders.services.check_new_order`` /
``check_order_changes`` / ``check_requirement``), so an import refuses what the pages and the API
refuse, with the same codes. Nothing is written until the whole file is clean: the report names
every problem by row (the header is row 1, as a spreadsheet numbers it) and column, and every
possible duplicate, of a held subject (``subjects.services.possible_duplicates_many``, the rule of
the "Record a subject" page) or of another row. A new subject that may be a duplicate is imported
only once its row is confirmed. Then one transaction writes everything, one import at a time per
force; a failure leaves nothing behind.

Matching, so that importing a file again updates rather than duplicates: a subject by PNC id, else
by Niche nominal reference (every row must give one of them); an order by its type, court and
case number (every order must give all three). On a match a non-empty cell replaces the held
value and an empty cell leaves it; aliases, warning markers, the IMEI, the VRM and the home
address are added when not already held, never removed. The same file imported twice changes
nothing the second time.

Audit: one collection event per new subject, order and notification requirement (written in bulk
by ``audit.services.record_changes``), one alteration event per changed record (through the
update services), each justified "Caseload import"; showing possible duplicates is logged as a
consultation of the subjects named.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper

from core.normalise import imei_key, name_key, pnc_key, vrm_key
from core.tenancy import current_schema
from statute.models import INITIAL_TRIGGERS, OrderType
from subjects.errors import SubjectError
from subjects.models import Subject, SubjectAddress
from subjects.services import (
    CheckedSubject,
    DuplicateQuestion,
    ProfileLookups,
    check_subject,
    create_checked_subjects,
    possible_duplicates_many,
    record_list_viewed,
    update_subject,
)

from . import services
from .errors import CaseloadImportError, OrderError
from .forms import IMPORT_COLUMNS, ORDER_COLUMNS, SUBJECT_COLUMNS, CaseloadRowForm, read_row
from .models import NotificationRequirement, ProtectiveOrder

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
JUSTIFICATION = "Caseload import"
#: The device an IMEI column records.
DEVICE_KIND = "Mobile device"
LIST_SEPARATOR = ";"
#: Columns holding things a subject may have several of: the rows of one subject add them up.
LIST_COLUMNS = frozenset({"aliases", "warning_markers", "imei", "vrm", "home_address", "home_postcode"})
_ORDER_FIELDS = (
    "court",
    "case_number",
    "applicant",
    "applied_on",
    "made_on",
    "served_on",
    "expires_on",
    "until_further_order",
    "status",
    "niche_occurrence_ref",
)
#: Where a service's error key lands among the columns.
_COLUMN_OF_KEY = {
    "devices": "imei",
    "vehicles": "vrm",
    "addresses": "home_address",
    "on": "status",
    "trigger": "notified_on",
}
_RECORD_PREFIX = re.compile(r"^(Address|Device|Account|Vehicle) \d+(, [^:]+)?: ")
_BINARY_STARTS = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
_E = CaseloadImportError


class Progress(Protocol):
    """What ``import_caseload`` reports progress to (a ``tqdm`` bar fits)."""

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> Any: ...


ProgressFactory = Callable[..., Progress]


@dataclass(frozen=True)
class Problem:
    """One thing to correct: where (row and column; no row for the file as a whole), what, its code."""

    row: int | None
    column: str
    message: str
    code: str

    @property
    def where(self) -> str:
        place = "File" if self.row is None else f"Row {self.row}"
        return f"{place}, {self.column}" if self.column else place

    def line(self) -> str:
        return f"{self.where}: {self.message} [{self.code}]"


@dataclass
class DuplicateRow:
    """A new subject of the file (its first row) who may already be held, or may be on another row."""

    row: int
    family_name: str
    given_names: str
    date_of_birth: dt.date | None
    matches: list[Subject] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    confirmed: bool = False


@dataclass
class ImportReport:
    """What an import (or its dry run) found and did."""

    dry_run: bool
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    subjects_new: int = 0
    subjects_changed: int = 0
    subjects_unchanged: int = 0
    orders_new: int = 0
    orders_changed: int = 0
    orders_unchanged: int = 0
    imported: bool = False

    @property
    def unconfirmed(self) -> list[DuplicateRow]:
        return [d for d in self.duplicates if not d.confirmed]

    @property
    def clean(self) -> bool:
        """Nothing to correct and every possible duplicate confirmed: the file can be imported."""
        return not self.problems and not self.unconfirmed

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row is None]

    def counts(self) -> str:
        verb = "would be" if not self.imported else "were"
        return (
            f"{self.rows} rows: subjects {self.subjects_new} new, {self.subjects_changed} changed, "
            f"{self.subjects_unchanged} unchanged; orders {self.orders_new} new, {self.orders_changed} "
            f"changed, {self.orders_unchanged} unchanged ({verb} imported)"
        )


class FileProblems(Exception):
    """The file cannot be read as a caseload at all (empty, not CSV, not UTF-8, no header, too big)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.line() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class FileRow:
    """One non-empty row: its number as a spreadsheet shows it, its cells by column."""

    number: int
    cells: dict[str, str]
    extra_cells: bool = False


@dataclass
class CaseloadFile:
    """A caseload file read as text: its columns and its non-empty rows."""

    columns: list[str]
    rows: list[FileRow]


def template_csv() -> str:
    """The downloadable template: the header row alone."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(IMPORT_COLUMNS)
    return out.getvalue()


def _file_problem(message: str, code: str, *, row: int | None = None, column: str = "") -> FileProblems:
    return FileProblems([Problem(row, column, message, str(code))])


def read_caseload(data: bytes) -> CaseloadFile:
    """Read the file's header and rows; ``FileProblems`` when it cannot be a caseload file."""
    if not data.strip():
        raise _file_problem("The file is empty.", _E.EMPTY_FILE)
    if len(data) > MAX_BYTES:
        raise _file_problem(
            f"The file must be smaller than {MAX_BYTES // (1024 * 1024)} MB.", _E.FILE_TOO_LARGE
        )
    if data.startswith(_BINARY_STARTS) or b"\x00" in data[:65536]:
        raise _file_problem(
            "The file is not a CSV file. Save the spreadsheet as 'CSV UTF-8 (comma delimited)'.", _E.NOT_CSV
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _file_problem(
            "The file is not saved as UTF-8 (a character on this row cannot be read). Save it as "
            "'CSV UTF-8 (comma delimited)'.",
            _E.NOT_UTF8,
            row=line,
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
        columns = [_column_name(cell) for cell in header]
        _check_header(columns)
        rows: list[FileRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_problem(
                    f"The file has more than {MAX_ROWS:,} rows: split it into files of {MAX_ROWS:,} "
                    "rows or fewer.",
                    _E.TOO_MANY_ROWS,
                )
            extra = len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :])
            values = {c: (cell or "").strip() for c, cell in zip(columns, cells, strict=False) if c}
            rows.append(FileRow(reader.line_num, values, extra_cells=extra))
    except csv.Error as exc:
        raise _file_problem(
            f"The file is not a CSV file that can be read ({exc}).", _E.NOT_CSV, row=reader.line_num
        ) from None
    return CaseloadFile(columns=columns, rows=rows)


def _column_name(cell: str) -> str:
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _check_header(columns: list[str]) -> None:
    known = set(IMPORT_COLUMNS)
    if not columns or not known & set(columns):
        semicolons = bool(columns) and ";" in columns[0]
        raise _file_problem(
            "The first row must name the columns, as the template does: "
            + ", ".join(IMPORT_COLUMNS[:4])
            + ", ..."
            + (", separated by commas, not semicolons." if semicolons else ""),
            _E.MISSING_HEADER,
            row=1,
        )
    problems = []
    for name in ("family_name", "given_names"):
        if name not in columns:
            problems.append(Problem(1, name, f"The header has no {name} column.", _E.MISSING_COLUMN))
    if "pnc_id" not in columns and "niche_nominal_ref" not in columns:
        problems.append(
            Problem(
                1,
                "pnc_id",
                "The header needs a pnc_id or a niche_nominal_ref column: subjects are matched by them.",
                _E.MISSING_COLUMN,
            )
        )
    seen: set[str] = set()
    for name in columns:
        if not name:
            continue
        if name not in known:
            problems.append(
                Problem(1, name[:60], f"'{name[:60]}' is not a column of the template.", _E.UNKNOWN_COLUMN)
            )
        elif name in seen:
            problems.append(Problem(1, name, f"The column {name} is named twice.", _E.REPEATED_COLUMN))
        seen.add(name)
    if problems:
        raise FileProblems(problems)


# -- checking ------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # the cells that were given and read without error
    given: frozenset[str] = frozenset()  # the columns whose cell is not empty
    group: _Group | None = None

    def gives(self, columns: Iterable[str]) -> bool:
        return any(c in self.values for c in columns)


@dataclass
class _Group:
    """The rows of one subject."""

    rows: list[_Row]
    values: dict[str, Any] = field(default_factory=dict)
    source: dict[str, int] = field(default_factory=dict)
    lists: dict[str, list[Any]] = field(default_factory=dict)
    held: Subject | None = None
    target: Subject | None = None  # the new subject, or a copy of the held one with the changes
    checked: CheckedSubject | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    list_changes: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    @property
    def first(self) -> int:
        return self.rows[0].number

    def row_of(self, column: str) -> int:
        return self.source.get(column, self.first)


@dataclass
class _OrderChange:
    order: ProtectiveOrder
    changes: dict[str, Any]
    confirm_short_duration: bool
    notified_on: dt.date | None


@dataclass
class _Plan:
    new_subjects: list[CheckedSubject] = field(default_factory=list)
    changed_subjects: list[_Group] = field(default_factory=list)
    new_orders: list[services.CheckedOrder] = field(default_factory=list)
    changed_orders: list[_OrderChange] = field(default_factory=list)


class _Checker:
    """Checks every row of a file against this force's records; collects the problems and the plan."""

    def __init__(self, report: ImportReport, confirmed: frozenset[int], progress: ProgressFactory | None):
        self.report = report
        self.confirmed = confirmed
        self.progress = progress
        self.plan = _Plan()
        self.lookups = ProfileLookups.load()

    def problem(self, row: int | None, column: str, message: str, code: str) -> None:
        self.report.problems.append(Problem(row, column, message, str(code)))

    def error(self, exc: ValidationError, *, row_of: Callable[[str], int], remap: dict[str, str]) -> None:
        """A service's ValidationError as problems, each on the column (and row) it concerns."""
        for key, errors in exc.error_dict.items():
            column = remap.get(key, key)
            if column not in IMPORT_COLUMNS:
                column = ""
            for error in errors:
                message = " ".join(error.messages)
                message = _RECORD_PREFIX.sub("", message)
                message = message[:1].upper() + message[1:]
                self.problem(row_of(column), column, message, str(error.code or "invalid"))

    def bar(self, total: int, desc: str) -> Progress | None:
        return self.progress(total=total, desc=desc) if self.progress else None

    # -- 1. cells -------------------------------------------------------------------------------
    def read_rows(self, caseload: CaseloadFile) -> list[_Row]:
        rows: list[_Row] = []
        bar = self.bar(len(caseload.rows), "read rows")
        for row in caseload.rows:
            if row.extra_cells:
                self.problem(
                    row.number, "", "The row has more cells than the header has columns.", _E.EXTRA_CELLS
                )
                rows.append(_Row(row.number, {}, frozenset({""})))
            else:
                rows.append(self.read_row(row.number, row.cells))
            if bar:
                bar.update(1)
        if bar:
            bar.close()
        return rows

    def read_row(self, number: int, cells: dict[str, str]) -> _Row:
        read, errors = read_row(cells)
        for name, problems in errors.items():
            for error in problems:
                self.problem(number, name, " ".join(error.messages), str(error.code or "invalid"))
        values = {
            name: value for name, value in read.items() if cells.get(name, "") and value not in (None, "")
        }
        return _Row(number, values, frozenset(name for name, cell in cells.items() if cell))

    # -- 2. subjects ----------------------------------------------------------------------------
    def group(self, rows: list[_Row]) -> list[_Group]:
        """Rows sharing a PNC id or a Niche reference (directly or through another row) are one subject."""
        parent = list(range(len(rows)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        first_with: dict[tuple[str, str], int] = {}
        identified = []
        for i, row in enumerate(rows):
            keys = _identity_keys(row.values)
            if not keys:
                if not row.given & {"pnc_id", "niche_nominal_ref", ""}:  # else already reported
                    self.problem(
                        row.number,
                        "pnc_id",
                        "Give the subject's PNC id or Niche nominal reference: the import matches "
                        "subjects by them.",
                        _E.IDENTITY_REQUIRED,
                    )
                continue
            identified.append(i)
            for key in keys:
                if key in first_with:
                    parent[find(i)] = find(first_with[key])
                else:
                    first_with[key] = i
        groups: dict[int, _Group] = {}
        for i in identified:
            root = find(i)
            if root not in groups:
                groups[root] = _Group(rows=[])
            groups[root].rows.append(rows[i])
            rows[i].group = groups[root]
        ordered = sorted(groups.values(), key=lambda g: g.first)
        for group in ordered:
            self.merge(group)
        return ordered

    def merge(self, group: _Group) -> None:
        """The subject's values from its rows: one value per column (rows must agree), lists added up."""
        for row in group.rows:
            for column in SUBJECT_COLUMNS:
                if column not in row.values:
                    continue
                value = row.values[column]
                if column in LIST_COLUMNS:
                    continue
                if column not in group.values:
                    group.values[column] = value
                    group.source[column] = row.number
                elif _same(column, group.values[column], value):
                    continue
                else:
                    label = CaseloadRowForm.base_fields[column].label
                    self.problem(
                        row.number,
                        column,
                        f"{label} differs from row {group.source[column]}, another row of this subject.",
                        _E.CONFLICTING_ROWS,
                    )
                    group.ok = False
        lists: dict[str, list[Any]] = {
            "aliases": [],
            "warning_markers": [],
            "imei": [],
            "vrm": [],
            "home": [],
        }
        for row in group.rows:
            for column in ("aliases", "warning_markers"):
                for item in str(row.values.get(column, "")).split(LIST_SEPARATOR):
                    if item.strip() and item.strip() not in lists[column]:
                        lists[column].append(item.strip())
                        group.source.setdefault(column, row.number)
            for column in ("imei", "vrm"):
                if column in row.values and row.values[column] not in lists[column]:
                    lists[column].append(row.values[column])
                    group.source.setdefault(column, row.number)
            if row.gives(("home_address", "home_postcode")):
                home = (row.values.get("home_address", ""), row.values.get("home_postcode", ""))
                if home not in lists["home"]:
                    lists["home"].append(home)
                    group.source.setdefault("home_address", row.number)
        group.lists = lists

    def match(self, groups: list[_Group]) -> None:
        """Each subject's held record, by PNC id, else by Niche nominal reference."""
        pnc_keys = {pnc_key(g.values["pnc_id"]) for g in groups if "pnc_id" in g.values}
        niche_keys = {
            _niche_key(g.values["niche_nominal_ref"]) for g in groups if "niche_nominal_ref" in g.values
        }
        subjects = list(
            Subject.objects.annotate(niche_upper=Upper("niche_nominal_ref"))
            .filter(Q(pnc_search__in=pnc_keys) | Q(niche_upper__in=niche_keys))
            .select_related("area", "managing_team", "lead_officer")
            .prefetch_related("aliases", "addresses", "devices", "vehicles")
        )
        by_pnc = {s.pnc_search: s for s in subjects if s.pnc_search}
        by_niche: dict[str, list[Subject]] = {}
        for s in subjects:
            if s.niche_nominal_ref.strip():
                by_niche.setdefault(_niche_key(s.niche_nominal_ref), []).append(s)
        for group in groups:
            pnc = group.values.get("pnc_id")
            niche = group.values.get("niche_nominal_ref")
            with_pnc = by_pnc.get(pnc_key(pnc)) if pnc else None
            with_niche = by_niche.get(_niche_key(niche), []) if niche else []
            if with_pnc is not None:
                if with_niche and with_pnc not in with_niche:
                    self.problem(
                        group.row_of("niche_nominal_ref"),
                        "niche_nominal_ref",
                        "This Niche nominal reference is held by another subject than the PNC id.",
                        _E.IDENTITY_CONFLICT,
                    )
                    group.ok = False
                group.held = with_pnc
            elif len(with_niche) > 1:
                self.problem(
                    group.row_of("niche_nominal_ref"),
                    "niche_nominal_ref",
                    f"{len(with_niche)} subjects of this force hold this Niche nominal reference; "
                    "give the PNC id to say which.",
                    _E.AMBIGUOUS_NICHE_REF,
                )
                group.ok = False
            elif with_niche:
                held = with_niche[0]
                if pnc and held.pnc_id and pnc_key(held.pnc_id) != pnc_key(pnc):
                    self.problem(
                        group.row_of("pnc_id"),
                        "pnc_id",
                        "The subject with this Niche nominal reference has another PNC id.",
                        _E.IDENTITY_CONFLICT,
                    )
                    group.ok = False
                group.held = held

    def check_subjects(self, groups: list[_Group]) -> None:
        areas = {name_key(a.name): a.uuid for a in self.lookups.areas.values()}
        teams: dict[str, Any] = {}
        for team in sorted(self.lookups.teams.values(), key=lambda t: t.kind != "aou"):
            teams.setdefault(name_key(team.name), team.uuid)
        people = {u.email.lower(): u.uuid for u in self.lookups.members.values()}
        bar = self.bar(len(groups), "check subjects")
        for group in groups:
            self.check_subject(group, areas, teams, people)
            if bar:
                bar.update(1)
        if bar:
            bar.close()

    def check_subject(
        self, group: _Group, areas: dict[str, Any], teams: dict[str, Any], people: dict[str, Any]
    ) -> None:
        given = dict(group.values)
        for column, lookup, code, what in (
            ("area", areas, SubjectError.UNKNOWN_AREA, "No area of this force is called"),
            ("managing_team", teams, SubjectError.UNKNOWN_TEAM, "No team of this force is called"),
            ("lead_officer", people, SubjectError.NOT_FORCE_MEMBER, "No member of this force has the email"),
        ):
            if column in given:
                key = str(given[column]).lower() if column == "lead_officer" else name_key(given[column])
                if key not in lookup:
                    self.problem(group.row_of(column), column, f"{what} '{str(given[column])[:80]}'.", code)
                    group.ok = False
                    del given[column]
                else:
                    given[column] = lookup[key]
        for column in ("home_address", "home_postcode", "aliases", "warning_markers", "imei", "vrm"):
            given.pop(column, None)
        if group.held is None:
            self.check_new_subject(group, given)
        else:
            self.check_held_subject(group, given)

    def _new_lists(self, group: _Group) -> dict[str, list[dict[str, Any]]]:
        return {
            "devices": [{"kind": DEVICE_KIND, "imei": imei} for imei in group.lists["imei"]],
            "vehicles": [{"vrm": vrm} for vrm in group.lists["vrm"]],
            "addresses": [
                {"address": address, "postcode": postcode, "kind": SubjectAddress.Kind.HOME}
                for address, postcode in group.lists["home"]
            ],
        }

    def check_new_subject(self, group: _Group, given: dict[str, Any]) -> None:
        for column in ("family_name", "given_names"):
            if column not in given:
                label = str(CaseloadRowForm.base_fields[column].label).lower()
                self.problem(group.first, column, f"Enter the {label} of this new subject.", "required")
                group.ok = False
        given.setdefault("family_name", "")
        given.setdefault("given_names", "")
        if group.lists["warning_markers"]:
            given["warning_markers"] = group.lists["warning_markers"]
        subject = Subject()
        try:
            group.checked = check_subject(
                subject,
                given,
                aliases=group.lists["aliases"],
                lists=self._new_lists(group),
                lookups=self.lookups,
            )
        except ValidationError as exc:
            self.error(exc, row_of=group.row_of, remap=_COLUMN_OF_KEY)
            group.ok = False
        group.target = subject

    def check_held_subject(self, group: _Group, given: dict[str, Any]) -> None:
        held = group.held
        assert held is not None
        changes = {k: v for k, v in given.items() if not _held_equal(held, k, v)}
        markers = [m for m in group.lists["warning_markers"] if m not in held.warning_markers]
        if markers:
            changes["warning_markers"] = [*held.warning_markers, *markers]
        list_changes: dict[str, Any] = {}
        held_aliases = [a.name for a in held.aliases.all()]
        held_alias_keys = {name_key(a) for a in held_aliases}
        new_aliases = [a for a in group.lists["aliases"] if name_key(a) not in held_alias_keys]
        if new_aliases:
            list_changes["aliases"] = [*held_aliases, *new_aliases]
        lists = self._new_lists(group)
        held_keys: dict[str, tuple[set[Any], Callable[[dict[str, Any]], Any]]] = {
            "devices": ({imei_key(d.imei) for d in held.devices.all()}, lambda r: imei_key(r["imei"])),
            "vehicles": ({vrm_key(v.vrm) for v in held.vehicles.all()}, lambda r: vrm_key(r["vrm"])),
            "addresses": (
                {_address_key(a.address, a.postcode) for a in held.addresses.all()},
                lambda r: _address_key(r["address"], r["postcode"]),
            ),
        }
        for name, (keys, key_of) in held_keys.items():
            added = [r for r in lists[name] if key_of(r) not in keys]
            if added:
                list_changes[name] = [r.as_dict() for r in getattr(held, name).all()] + added
        group.target = copy.copy(held)
        if not changes and not list_changes:
            return
        try:
            check_subject(
                group.target,
                changes,
                aliases=list_changes.get("aliases"),
                lists={k: v for k, v in list_changes.items() if k != "aliases"},
                lookups=self.lookups,
            )
        except ValidationError as exc:
            self.error(exc, row_of=group.row_of, remap=_COLUMN_OF_KEY)
            group.ok = False
        group.changes, group.list_changes = changes, list_changes

    def duplicates(self, groups: list[_Group]) -> None:
        """Every new subject who may be held already, or be the subject of another row."""
        new = [g for g in groups if g.held is None and g.checked is not None]
        questions = [
            DuplicateQuestion(
                g.checked.subject.given_names,  # type: ignore[union-attr]
                g.checked.subject.family_name,  # type: ignore[union-attr]
                g.checked.subject.date_of_birth,  # type: ignore[union-attr]
                tuple(g.checked.aliases),  # type: ignore[union-attr]
            )
            for g in new
        ]
        held_matches = possible_duplicates_many(questions)
        in_file: dict[tuple[dt.date, str], list[int]] = {}
        for index, question in enumerate(questions):
            for key in question.name_keys():
                in_file.setdefault((question.date_of_birth, key), []).append(index)  # type: ignore[arg-type]
        for index, (group, question, matches) in enumerate(zip(new, questions, held_matches, strict=True)):
            others = sorted(
                {
                    new[other].first
                    for key in question.name_keys()
                    for other in in_file.get((question.date_of_birth, key), ())  # type: ignore[arg-type]
                    if other != index
                }
            )
            if matches or others:
                self.report.duplicates.append(
                    DuplicateRow(
                        row=group.first,
                        family_name=question.family_name,
                        given_names=question.given_names,
                        date_of_birth=question.date_of_birth,
                        matches=matches,
                        rows=others,
                        confirmed=group.first in self.confirmed,
                    )
                )

    # -- 3. orders ------------------------------------------------------------------------------
    def check_orders(self, rows: list[_Row]) -> None:
        order_rows = [r for r in rows if r.gives(ORDER_COLUMNS)]
        types = {t.code.upper(): t for t in OrderType.objects.all()}
        case_keys = {_case_key(r.values["case_number"]) for r in order_rows if "case_number" in r.values}
        held: dict[tuple[int, str, str], ProtectiveOrder] = {}
        for order in (
            ProtectiveOrder.objects.annotate(case_upper=Upper("case_number"))
            .filter(case_upper__in=case_keys)
            .select_related("order_type", "subject", "replaces")
            .prefetch_related("notification_requirements")
        ):
            held.setdefault((order.order_type_id, name_key(order.court), _case_key(order.case_number)), order)
        seen: dict[tuple[int, str, str], int] = {}
        bar = self.bar(len(order_rows), "check orders")
        for row in order_rows:
            self.check_order(row, types, held, seen)
            if bar:
                bar.update(1)
        if bar:
            bar.close()

    def check_order(
        self,
        row: _Row,
        types: dict[str, OrderType],
        held: dict[tuple[int, str, str], ProtectiveOrder],
        seen: dict[tuple[int, str, str], int],
    ) -> None:
        values = row.values
        order_type = None
        if "order_type" not in values:
            self.problem(row.number, "order_type", "Enter the order type, like SPO.", "required")
        else:
            order_type = types.get(str(values["order_type"]).upper())
            if order_type is None:
                self.problem(
                    row.number,
                    "order_type",
                    f"'{str(values['order_type'])[:20]}' is not an order type; use a code like "
                    + ", ".join(sorted(types)[:4])
                    + ".",
                    _E.UNKNOWN_ORDER_TYPE,
                )
        if "court" not in values:
            self.problem(row.number, "court", "Enter the court that made the order.", _E.COURT_REQUIRED)
        if "case_number" not in values:
            self.problem(
                row.number,
                "case_number",
                "Enter the court case number: the import matches orders by type, court and case number.",
                _E.CASE_NUMBER_REQUIRED,
            )
        group = row.group
        if order_type is None or "court" not in values or "case_number" not in values or group is None:
            return
        key = (order_type.pk, name_key(values["court"]), _case_key(values["case_number"]))
        if key in seen:
            self.problem(row.number, "case_number", f"The same order as row {seen[key]}.", _E.REPEATED_ORDER)
            return
        seen[key] = row.number
        existing = held.get(key)
        subject = group.target
        if existing is not None and (group.held is None or existing.subject_id != group.held.pk):
            self.problem(
                row.number,
                "case_number",
                "An order of this type, court and case number is held against another subject.",
                _E.ORDER_OF_OTHER_SUBJECT,
            )
            return
        if subject is None:
            return
        fields = {k: values[k] for k in _ORDER_FIELDS if k in values}
        confirm = bool(values.get("confirm_short_duration"))
        notified_on = values.get("notified_on")
        if existing is None:
            self.check_new_order(row, subject, order_type, fields, confirm, notified_on)
        else:
            self.check_held_order(row, existing, fields, confirm, notified_on)

    def check_new_order(
        self,
        row: _Row,
        subject: Subject,
        order_type: OrderType,
        fields: dict[str, Any],
        confirm: bool,
        notified_on: dt.date | None,
    ) -> None:
        fields["until_further_order"] = bool(fields.get("until_further_order"))
        fields.setdefault("status", "")  # worked out from the dates, as create_order does
        order = ProtectiveOrder(subject=subject, order_type=order_type, **fields)
        try:
            services.check_new_order(order, confirm_short_duration=confirm)
        except ValidationError as exc:
            self.error(exc, row_of=lambda _c: row.number, remap=_COLUMN_OF_KEY)
            return
        if notified_on is not None:
            requirement = services.initial_requirement(order)
            if not self.check_notified(row, requirement, notified_on):
                return
        self.report.orders_new += 1
        self.plan.new_orders.append(services.CheckedOrder(order=order, notified_on=notified_on))

    def check_held_order(
        self,
        row: _Row,
        existing: ProtectiveOrder,
        fields: dict[str, Any],
        confirm: bool,
        notified_on: dt.date | None,
    ) -> None:
        changes = {k: v for k, v in fields.items() if not _order_equal(existing, k, v)}
        target = copy.copy(existing)
        if changes:
            try:
                services.check_order_changes(target, changes, confirm_short_duration=confirm)
            except ValidationError as exc:
                self.error(exc, row_of=lambda _c: row.number, remap=_COLUMN_OF_KEY)
                return
        to_notify = None
        if notified_on is not None:
            initial = next(
                (r for r in existing.notification_requirements.all() if r.trigger in INITIAL_TRIGGERS), None
            )
            if initial is not None and initial.notified_on == notified_on:
                pass
            elif initial is not None and initial.notified_on:
                self.problem(
                    row.number,
                    "notified_on",
                    f"The notification was already recorded as made on {initial.notified_on:%-d %B %Y}.",
                    OrderError.ALREADY_NOTIFIED,
                )
                return
            else:
                requirement = (
                    copy.copy(initial) if initial is not None else services.initial_requirement(target)
                )
                if not self.check_notified(row, requirement, notified_on):
                    return
                to_notify = notified_on
        if not changes and to_notify is None:
            self.report.orders_unchanged += 1
            return
        self.report.orders_changed += 1
        self.plan.changed_orders.append(
            _OrderChange(
                order=existing,
                changes=changes,
                confirm_short_duration=confirm,
                notified_on=to_notify,
            )
        )

    def check_notified(
        self, row: _Row, requirement: NotificationRequirement | None, notified_on: dt.date
    ) -> bool:
        if requirement is None:
            self.problem(
                row.number,
                "notified_on",
                "This order brings no notification (its type needs none, or it is not yet made or served).",
                _E.NO_NOTIFICATION,
            )
            return False
        requirement.notified_on = notified_on
        try:
            services.check_requirement(requirement)
        except ValidationError as exc:
            self.error(exc, row_of=lambda _c: row.number, remap=_COLUMN_OF_KEY)
            return False
        return True

    # -- the whole file -------------------------------------------------------------------------
    def check(self, caseload: CaseloadFile) -> _Plan:
        rows = self.read_rows(caseload)
        groups = self.group(rows)
        self.match(groups)
        self.check_subjects(groups)
        self.duplicates(groups)
        self.check_orders(rows)
        for group in groups:
            if group.held is None:
                if group.checked is not None:
                    self.report.subjects_new += 1
                    self.plan.new_subjects.append(group.checked)
            elif group.changes or group.list_changes:
                self.report.subjects_changed += 1
                self.plan.changed_subjects.append(group)
            else:
                self.report.subjects_unchanged += 1
        self.report.problems.sort(
            key=lambda p: (p.row or 0, IMPORT_COLUMNS.index(p.column) if p.column in IMPORT_COLUMNS else -1)
        )
        return self.plan


def _identity_keys(values: dict[str, Any]) -> list[tuple[str, str]]:
    keys = []
    if values.get("pnc_id"):
        keys.append(("pnc", pnc_key(values["pnc_id"])))
    if values.get("niche_nominal_ref"):
        keys.append(("niche", _niche_key(values["niche_nominal_ref"])))
    return keys


def _niche_key(ref: str) -> str:
    return str(ref or "").strip().upper()


def _case_key(case_number: str) -> str:
    return " ".join(str(case_number or "").split()).upper()


def _address_key(address: str, postcode: str) -> tuple[str, str]:
    return name_key(address or ""), re.sub(r"\s+", "", postcode or "").upper()


def _same(column: str, a: Any, b: Any) -> bool:
    if column == "pnc_id":
        return bool(pnc_key(a) == pnc_key(b))
    if column in ("niche_nominal_ref",):
        return _niche_key(a) == _niche_key(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return bool(a == b)


def _held_equal(subject: Subject, column: str, value: Any) -> bool:
    """Whether a cell says what the held subject already holds (so it is no change)."""
    if column in ("area", "managing_team", "lead_officer"):
        related = getattr(subject, column)
        return related is not None and related.uuid == value
    held = getattr(subject, column)
    if column == "pnc_id":
        return bool(pnc_key(held) == pnc_key(value))
    if isinstance(held, str) and isinstance(value, str):
        return " ".join(held.split()) == " ".join(value.split())
    return bool(held == value)


def _order_equal(order: ProtectiveOrder, column: str, value: Any) -> bool:
    held = getattr(order, column)
    if column == "case_number":
        return _case_key(held) == _case_key(value)
    if column == "court":
        return name_key(held) == name_key(value)
    if isinstance(held, str) and isinstance(value, str):
        return " ".join(held.split()) == " ".join(value.split())
    return bool(held == value)


# -- writing -------------------------------------------------------------------------------------


def _write(plan: _Plan, actor: Any, progress: ProgressFactory | None) -> None:
    total = 1 + len(plan.changed_subjects) + 1 + len(plan.changed_orders)
    bar = progress(total=total, desc="write") if progress else None

    def step() -> None:
        if bar:
            bar.update(1)

    create_checked_subjects(actor=actor, checked=plan.new_subjects, justification=JUSTIFICATION)
    step()
    for group in plan.changed_subjects:
        held = group.held
        assert held is not None
        update_subject(
            actor=actor, subject=held, justification=JUSTIFICATION, **group.list_changes, **group.changes
        )
        step()
    services.create_checked_orders(actor=actor, checked=plan.new_orders, justification=JUSTIFICATION)
    step()
    for change in plan.changed_orders:
        order = change.order
        if change.changes:
            order = services.update_order(
                actor=actor,
                order=order,
                confirm_short_duration=change.confirm_short_duration,
                justification=JUSTIFICATION,
                **change.changes,
            )
        if change.notified_on is not None:
            requirement = order.notification_requirements.filter(
                trigger__in=INITIAL_TRIGGERS, notified_on__isnull=True
            ).first()
            if requirement is not None:
                services.record_notification(
                    actor=actor, requirement=requirement, notified_on=change.notified_on
                )
        step()
    if bar:
        bar.close()


def _lock_force_imports() -> None:
    """One import at a time in this force (until the transaction ends); other forces are not held."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"spmp caseload import {current_schema()}"]
        )


def import_caseload(
    data: bytes,
    *,
    actor: Any,
    dry_run: bool = False,
    confirmed_rows: Iterable[int] = (),
    progress: ProgressFactory | None = None,
) -> ImportReport:
    """Check a caseload file and, unless ``dry_run``, import it when clean (module docstring).

    Runs in the current force's schema. ``confirmed_rows``: rows (the first row of a new subject)
    whose possible duplicates the user has checked and who are to be recorded as new subjects.
    ``progress(total=..., desc=...)`` makes a progress bar (``tqdm`` fits) for each stage.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        caseload = read_caseload(data)
    except FileProblems as exc:
        report.problems = exc.problems
        return report
    report.rows = len(caseload.rows)
    try:
        with transaction.atomic():
            if not dry_run:
                _lock_force_imports()
            plan = _Checker(report, frozenset(confirmed_rows), progress).check(caseload)
            if report.clean and not dry_run:
                _write(plan, actor, progress)
                report.imported = True
    except IntegrityError:
        # A record written by someone else between the check and the write (a PNC id recorded
        # meanwhile): the transaction is rolled back whole.
        report.imported = False
        report.problems.append(
            Problem(
                None,
                "",
                "Another change to the force's records clashed with this import, so nothing was imported. "
                "Check the file again.",
                _E.CLASH,
            )
        )
    _record_duplicates_shown(report, actor)
    return report


def _record_duplicates_shown(report: ImportReport, actor: Any) -> None:
    """Naming the held subjects a row may duplicate is a read of them: one consult event."""
    shown: dict[int, Subject] = {}
    for duplicate in report.duplicates:
        for subject in duplicate.matches:
            shown[subject.pk] = subject
    if shown:
        record_list_viewed(
            actor=actor, subjects=shown.values(), what="possible duplicates in a caseload import"
        )


def iter_problems(report: ImportReport) -> Iterator[str]:
    """The report's problems and unconfirmed duplicates as lines (the command prints them)."""
    for problem in report.problems:
        yield problem.line()
    for duplicate in report.unconfirmed:
        held = ", ".join(str(s.uuid) for s in duplicate.matches)
        parts = []
        if held:
            parts.append(f"held subject(s) {held}")
        if duplicate.rows:
            parts.append("row(s) " + ", ".join(str(r) for r in duplicate.rows))
        yield (
            f"Row {duplicate.row}: may be the same person as {' and '.join(parts)}; check, then confirm "
            f"the row to import it as a new subject [possible_duplicate]"
        )
