"""The subject: a person subject to (or proposed for) a protective order, and their aliases."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.namesearch import has_part_sql, name_trigram_index
from core.normalise import handle_key, imei_key, name_key, pnc_key, search_terms, vrm_key
from core.roles import Perm
from core.scoping import ForceScopedQuerySet

pnc_validator = RegexValidator(
    r"^\d{2}(\d{2})?/\d{1,7}[A-Z]$",
    "Enter a PNC id like 98/1234567A: year, a slash, up to 7 digits and a check letter.",
    code="invalid_pnc",
)


#: The object permissions a sharing grant gives on a subject (issue 14), one per scope, held in
#: the owning force's schema by the receiving force's group or by named users (django-guardian).
SHARE_PERMISSIONS = (
    ("share_briefing", "Read the subject's briefing under a sharing grant"),
    ("share_orders", "Read the subject's orders and terms under a sharing grant"),
    ("share_plan", "Read the subject's plan, without protected persons, under a sharing grant"),
    ("share_protected_persons", "Read the subject's protected persons under a sharing grant"),
)
ANY_SHARE = tuple(f"subjects.{codename}" for codename, _ in SHARE_PERMISSIONS)


class SubjectQuerySet(ForceScopedQuerySet["Subject"]):
    """Subjects: read by case workers and disclosure officers, changed by case workers."""

    scope_permissions = {
        "view": {Perm.VIEW_SUBJECT},
        "change": {Perm.CHANGE_SUBJECT},
        "delete": {Perm.DELETE_SUBJECT},
        # The MoPI retention queue (issue 16): coordinators and supervisors review, retain or dispose.
        "retention": {Perm.REVIEW_RETENTION},
    }
    # Any sharing grant shows the subject it is about (its name heads what is shared), no more.
    grant_permissions = {"view": ANY_SHARE}

    def with_alias_names(self) -> SubjectQuerySet:
        """Aliases for every row from one prefetch, kept as a plain list (``Subject.alias_names``).

        Reading ``subject.aliases.all()`` per row builds a manager and a queryset for each row even
        when prefetched; a list page of 100 spent more time there than in the database.
        """
        return self.prefetch_related(
            models.Prefetch(
                "aliases", queryset=SubjectAlias.objects.order_by("name", "id"), to_attr="alias_list"
            )
        )

    def search(self, text: str) -> SubjectQuerySet:
        """Any part of a name or alias; a PNC id, VRM, IMEI or social media handle, exactly.

        A term shaped like an identifier (``core.normalise.search_terms``) is looked up only on its
        indexed key columns; a part of a name through the trigram indexes of ``core.namesearch``.
        Every way a subject can match is one indexed ``SELECT`` of subject ids, joined by
        ``UNION ALL`` into one ``id IN (...)``: no join multiplies rows, no DISTINCT is needed, and
        no branch makes PostgreSQL scan the subjects (an ``OR`` of a column test and a subquery
        would). The union is written as SQL over the models' own table names: built as querysets it
        cost more Python than the database took to answer it (issue 10, ``subjects.search_name``).
        """
        terms = search_terms(text)
        if not (text or "").strip():
            return self
        selects: list[str] = []
        params: list[str] = []

        def select(model: type[models.Model], column: str, where: str, *args: str) -> None:
            # Table and column names are the models' own; every value travels as a parameter.
            selects.append(f"SELECT {column} FROM {model._meta.db_table} WHERE {where}")  # noqa: S608
            params.extend(args)

        if terms.name:
            where, args = has_part_sql("name_search", terms.name)
            select(Subject, "id", where, *args)
            select(SubjectAlias, "subject_id", where, *args)
        if terms.pnc:
            select(Subject, "id", "pnc_search = %s", terms.pnc)
        for key, model, column in (
            (terms.vrm, SubjectVehicle, "vrm_key"),
            (terms.imei, SubjectDevice, "imei_key"),
            (terms.handle, SubjectSocialAccount, "handle_key"),
        ):
            if key:
                select(model, "subject_id", f"{column} = %s", key)
        if not selects:
            return self.none()
        return self.filter(pk__in=RawSQL(" UNION ALL ".join(selects), params))  # noqa: S611 (as above)

    def with_profile(self) -> SubjectQuerySet:
        """Everything the case file and the API show, in a constant number of queries."""
        return (
            self.with_alias_names()
            .select_related("area", "managing_team", "lead_officer")
            .prefetch_related("addresses", "devices", "social_accounts", "vehicles", "photos")
        )


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Another gender"
    NOT_KNOWN = "not-known", "Not known"


class RetentionGroup(models.TextChoices):
    """Management of police information (MoPI) retention groups."""

    CERTAIN_PUBLIC_PROTECTION = "1", "Group 1: certain public protection matters"
    OTHER_SERIOUS = "2", "Group 2: other sexual, violent or serious offences"
    ALL_OTHER = "3", "Group 3: all other offences"


class Subject(models.Model):
    """A person the force manages under a protective order (the perpetrator, not the victim)."""

    # Fields whose values never go into the audit log: they identify the person.
    RESTRICTED_FIELDS = (
        "family_name",
        "given_names",
        "date_of_birth",
        "pnc_id",
        "niche_nominal_ref",
        "addresses",
        "devices",
        "social_accounts",
        "vehicles",
        "photos",
    )

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    family_name = models.CharField("family name", max_length=100, help_text="Surname as recorded.")
    given_names = models.CharField("given names", max_length=150, help_text="Forenames in full.")
    date_of_birth = models.DateField("date of birth", null=True, blank=True)
    pnc_id = models.CharField(
        "PNC id",
        max_length=13,
        blank=True,
        validators=[pnc_validator],
        help_text="Police National Computer id, e.g. 98/1234567A.",
    )
    niche_nominal_ref = models.CharField(
        "Niche nominal reference",
        max_length=30,
        blank=True,
        help_text="The nominal record in the force's record system (Niche), the record of truth.",
    )
    gender = models.CharField("gender", max_length=16, choices=Gender.choices, blank=True)
    area = models.ForeignKey(
        "organisation.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The area of the force the subject lives in or is managed from.",
    )
    managing_team = models.ForeignKey(
        "organisation.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="managing team",
        help_text="The ancillary order unit that manages the subject.",
    )
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lead officer",
        help_text="The officer of this force who leads the subject's management.",
    )
    warning_markers = ArrayField(
        models.CharField(max_length=120),
        verbose_name="warning markers",
        default=list,
        blank=True,
        help_text="Chosen from the force's list of warning markers.",
    )
    registered_sex_offender = models.BooleanField("registered sex offender", default=False)
    registered_from = models.DateField("registered from", null=True, blank=True)
    registered_until = models.DateField(
        "registered until", null=True, blank=True, help_text="Empty while registration is indefinite."
    )
    retention_group = models.CharField(
        "MoPI retention group", max_length=2, choices=RetentionGroup.choices, blank=True
    )
    next_review_date = models.DateField("next MoPI review", null=True, blank=True)
    name_search = models.CharField(max_length=260, editable=False, db_index=True, default="")
    pnc_search = models.CharField(max_length=13, editable=False, db_index=True, default="")
    #: Set when the subject moved to another force (sharing.transfer): the record is then closed
    #: and read-only, naming the force it went to and when.
    transferred_to = models.CharField("transferred to", max_length=200, blank=True, default="")
    transferred_at = models.DateTimeField("transferred", null=True, blank=True)
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_names", "id"]
        permissions = SHARE_PERMISSIONS
        indexes = [name_trigram_index("subjects_subject_name_grams")]
        constraints = [
            models.UniqueConstraint(
                fields=["pnc_search"], condition=~models.Q(pnc_search=""), name="unique_subject_pnc"
            )
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_names}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.set_keys()
        super().save(*args, **kwargs)

    def set_keys(self) -> None:
        """Fill the normalised search columns (``save()`` calls it; bulk paths call it first)."""
        self.name_search = name_key(self.given_names, self.family_name)
        self.pnc_search = pnc_key(self.pnc_id)

    @property
    def display_name(self) -> str:
        return str(self)

    def registered_on(self, day: dt.date) -> bool:
        """On the sex offender register that day: from ``registered_from`` until ``registered_until``,
        the day registration ended (the first day off the register; empty while it lasts)."""
        return bool(
            self.registered_sex_offender
            and self.registered_from is not None
            and self.registered_from <= day
            and (self.registered_until is None or day < self.registered_until)
        )

    def registration_ended_on(self, today: dt.date | None = None) -> dt.date | None:
        """The day the subject's registration ended, if it has ended by ``today``."""
        today = today or timezone.localdate()
        if self.registered_sex_offender and self.registered_until and self.registered_until <= today:
            return self.registered_until
        return None

    @property
    def currently_registered(self) -> bool:
        return self.registered_on(timezone.localdate())

    @property
    def alias_names(self) -> list[str]:
        """The alias names, sorted: from ``with_alias_names()``'s list when fetched that way."""
        fetched = self.__dict__.get("alias_list")
        if fetched is not None:
            return [a.name for a in fetched]
        return [a.name for a in self.aliases.order_by("name", "id")]


class SubjectAliasQuerySet(ForceScopedQuerySet["SubjectAlias"]):
    """Aliases are part of the subject's record: the subject's permissions open them."""

    scope_permissions = SubjectQuerySet.scope_permissions


class SubjectAlias(models.Model):
    """Another name the subject is known by (nickname, previous or assumed name)."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField("name", max_length=250, help_text="The alias as used.")
    name_search = models.CharField(max_length=260, editable=False, db_index=True, default="")

    objects = SubjectAliasQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "subject aliases"
        indexes = [name_trigram_index("subjects_alias_name_grams")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name_search = name_key(self.name)
        super().save(*args, **kwargs)


class ProfileRecordQuerySet(ForceScopedQuerySet[Any]):
    """Profile records are part of the subject's record: the subject's permissions open them."""

    scope_permissions = SubjectQuerySet.scope_permissions


class ProfileRecord(models.Model):
    """A fact about the subject known for a period (an address, a device, an account, a vehicle)."""

    #: The fields a service and the API take (beside the dates); set by each record type.
    FIELDS: tuple[str, ...] = ()

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    known_from = models.DateField("known from", null=True, blank=True)
    known_to = models.DateField("known to", null=True, blank=True)

    objects = ProfileRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.set_keys()
        super().save(*args, **kwargs)

    def set_keys(self) -> None:
        """Fill the normalised search columns (``save()`` calls it; bulk paths call it first)."""

    def as_dict(self) -> dict[str, Any]:
        data = {f: getattr(self, f) for f in self.FIELDS}
        data["known_from"] = self.known_from
        data["known_to"] = self.known_to
        return data


class SubjectAddress(ProfileRecord):
    """An address the subject lives or has lived at (or stays at)."""

    FIELDS = ("address", "postcode", "kind")

    class Kind(models.TextChoices):
        HOME = "home", "Home address"
        OTHER = "other", "Other address (stays, works)"
        NO_FIXED_ABODE = "nfa", "No fixed abode"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField("kind", max_length=8, choices=Kind.choices, default=Kind.HOME)
    address = models.CharField("address", max_length=300, blank=True)
    postcode = models.CharField("postcode", max_length=10, blank=True)

    class Meta:
        ordering = ["-known_from", "id"]
        verbose_name_plural = "subject addresses"

    def __str__(self) -> str:
        return self.postcode or self.get_kind_display()


class SubjectDevice(ProfileRecord):
    """An electronic device the subject uses: type, make and model, IMEI or serial, number."""

    FIELDS = ("kind", "make_model", "imei", "serial_number", "phone_number")

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField("type", max_length=60, help_text="e.g. mobile phone, laptop, tablet.")
    make_model = models.CharField("make and model", max_length=120, blank=True)
    imei = models.CharField("IMEI", max_length=20, blank=True)
    serial_number = models.CharField("serial number", max_length=60, blank=True)
    phone_number = models.CharField("number", max_length=30, blank=True)
    imei_key = models.CharField(max_length=20, editable=False, db_index=True, default="")

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.kind

    def set_keys(self) -> None:
        self.imei_key = imei_key(self.imei)


class SubjectSocialAccount(ProfileRecord):
    """A social media account of the subject: platform, handle or URL, status."""

    FIELDS = ("platform", "handle", "status")

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"
        NOT_KNOWN = "not-known", "Not known"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField("platform", max_length=60)
    handle = models.CharField("handle or URL", max_length=300)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.NOT_KNOWN)
    handle_key = models.CharField(max_length=300, editable=False, db_index=True, default="")

    class Meta:
        ordering = ["platform", "id"]

    def __str__(self) -> str:
        return f"{self.platform}: {self.handle}"

    def set_keys(self) -> None:
        self.handle_key = handle_key(self.handle)


class SubjectVehicle(ProfileRecord):
    """A vehicle the subject keeps or uses: VRM, make, model, colour, keeper status."""

    FIELDS = ("vrm", "make", "model", "colour", "keeper_status")

    class KeeperStatus(models.TextChoices):
        REGISTERED_KEEPER = "keeper", "Registered keeper"
        USER = "user", "Uses it (not the keeper)"
        NOT_KNOWN = "not-known", "Not known"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="vehicles")
    vrm = models.CharField("VRM", max_length=10, help_text="Vehicle registration mark, e.g. AB12 CDE.")
    make = models.CharField("make", max_length=60, blank=True)
    model = models.CharField("model", max_length=60, blank=True)
    colour = models.CharField("colour", max_length=40, blank=True)
    keeper_status = models.CharField(
        "keeper status", max_length=10, choices=KeeperStatus.choices, default=KeeperStatus.NOT_KNOWN
    )
    vrm_key = models.CharField(max_length=10, editable=False, db_index=True, default="")

    class Meta:
        ordering = ["vrm", "id"]

    def __str__(self) -> str:
        return self.vrm

    def set_keys(self) -> None:
        self.vrm_key = vrm_key(self.vrm)


def _photo_path(instance: SubjectPhoto, filename: str) -> str:
    """A name that says nothing about the subject: the schema and a random UUID."""
    from core.tenancy import current_schema

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"subject-photos/{current_schema()}/{uuid.uuid4()}.{extension}"


class SubjectPhoto(ProfileRecord):
    """A photograph of the subject, re-encoded without its metadata (EXIF) when uploaded.

    Kept in ``STORAGES["default"]`` under a random name; served only by the case-file view
    ``subjects:subject-photo``, which asks the reason for access and logs every view.
    """

    FIELDS = ("caption", "taken_on")

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("photograph", upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=30, editable=False, default="image/jpeg")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField("caption", max_length=200, blank=True)
    taken_on = models.DateField("taken on", null=True, blank=True)
    added_at = models.DateTimeField("added", default=timezone.now, editable=False)

    class Meta:
        ordering = ["-added_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"Photograph {self.uuid}"
