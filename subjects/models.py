"""The subject: a person subject to (or proposed for) a protective order, and their aliases."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from core.normalise import name_key, pnc_key
from core.roles import Perm
from core.scoping import ForceScopedQuerySet

pnc_validator = RegexValidator(
    r"^\d{2}(\d{2})?/\d{1,7}[A-Z]$",
    "Enter a PNC id like 98/1234567A: year, a slash, up to 7 digits and a check letter.",
    code="invalid_pnc",
)


class SubjectQuerySet(ForceScopedQuerySet["Subject"]):
    """Subjects: read by case workers and disclosure officers, changed by case workers."""

    scope_permissions = {
        "view": {Perm.VIEW_SUBJECT},
        "change": {Perm.CHANGE_SUBJECT},
        "delete": {Perm.DELETE_SUBJECT},
    }

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
        key = name_key(text)
        if not key:
            return self
        return self.filter(
            models.Q(name_search__contains=key)
            | models.Q(aliases__name_search__contains=key)
            | models.Q(pnc_search=pnc_key(text))
        ).distinct()


class Subject(models.Model):
    """A person the force manages under a protective order (the perpetrator, not the victim)."""

    # Fields whose values never go into the audit log: they identify the person.
    RESTRICTED_FIELDS = ("family_name", "given_names", "date_of_birth", "pnc_id", "niche_nominal_ref")

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
    name_search = models.CharField(max_length=260, editable=False, db_index=True, default="")
    pnc_search = models.CharField(max_length=13, editable=False, db_index=True, default="")
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_names", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pnc_search"], condition=~models.Q(pnc_search=""), name="unique_subject_pnc"
            )
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_names}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name_search = name_key(self.given_names, self.family_name)
        self.pnc_search = pnc_key(self.pnc_id)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return str(self)

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

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name_search = name_key(self.name)
        super().save(*args, **kwargs)
