"""What sharing hears from the apps below it (which never import it): subject creation, change
and erasure keep the registry current; membership changes keep the readers' group in step."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save

from core.signals import membership_ended, subjects_bulk_created
from core.tenancy import active_force
from subjects.models import Subject, SubjectAlias
from tenants.models import Force, Membership


def _force_uuid() -> Any:
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Force) and not tenant.is_platform:
        return tenant.uuid
    return active_force().uuid  # type: ignore[attr-defined]


def subject_saved(sender: Any, instance: Subject, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from .services import sync_subject_keys

    sync_subject_keys(force_uuid=_force_uuid(), subject=instance)


def subject_deleted(sender: Any, instance: Subject, **kwargs: Any) -> None:
    """An erased subject leaves the registry, and its grants' permissions leave guardian's tables
    (they name the row by its id, which nothing must ever inherit)."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from .services import forget_subject

    forget_subject(force_uuid=_force_uuid(), subject_uuid=instance.uuid)
    held = {
        "content_type__app_label": "subjects",
        "content_type__model": "subject",
        "object_pk": str(instance.pk),
    }
    UserObjectPermission.objects.filter(**held).delete()
    GroupObjectPermission.objects.filter(**held).delete()


def alias_changed(sender: Any, instance: SubjectAlias, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from .services import sync_subject_keys

    subject = Subject.objects.filter(pk=instance.subject_id).first()
    if subject is not None:
        sync_subject_keys(force_uuid=_force_uuid(), subject=subject)


def membership_saved(sender: Any, instance: Membership, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from .services import sync_reader_group

    sync_reader_group(instance)


def membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    from .services import sync_reader_group

    sync_reader_group(instance, removed=True)


def membership_stopped(sender: Any, force: Any, user: Any, **kwargs: Any) -> int:
    from .services import reader_group

    user.groups.remove(reader_group(force.uuid))
    return 0


def subjects_imported(
    sender: Any, subjects: list[Subject], aliases: dict[int, list[str]], **kwargs: Any
) -> None:
    from .services import index_subjects

    index_subjects(force_uuid=_force_uuid(), subjects=subjects, aliases=aliases)


#: The rows of a subject's record, with the path from each to its subject's id.
_RECORD_PATHS = {
    ("subjects", "subjectalias"): "subject_id",
    ("subjects", "subjectaddress"): "subject_id",
    ("subjects", "subjectdevice"): "subject_id",
    ("subjects", "subjectsocialaccount"): "subject_id",
    ("subjects", "subjectvehicle"): "subject_id",
    ("subjects", "subjectphoto"): "subject_id",
    ("orders", "protectiveorder"): "subject_id",
    ("orders", "protectedperson"): "subject_id",
    ("orders", "orderterm"): "order.subject_id",
    ("plans", "plan"): "subject_id",
    ("plans", "planversion"): "plan.subject_id",
}


def _subject_id(instance: Any) -> Any:
    path = _RECORD_PATHS[(instance._meta.app_label, instance._meta.model_name)]
    value = instance
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def refuse_transferred(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A transferred subject's record is closed: every edit is refused with
    the code ``transferred``, naming the force it went to and when. The transfer itself writes with
    ``bulk_create`` and ``update``, which send no signals."""
    if raw:
        return
    found: Any = None
    if isinstance(instance, Subject):
        if instance.transferred_at is not None:
            found = (instance.transferred_to, instance.transferred_at)
    else:
        subject_id = _subject_id(instance)
        if subject_id is not None:
            found = (
                Subject._base_manager.filter(pk=subject_id, transferred_at__isnull=False)
                .values_list("transferred_to", "transferred_at")
                .first()
            )
    if found is not None:
        from django.core.exceptions import ValidationError

        from core.forms import coded

        from .choices import SharingError

        to, at = found
        raise ValidationError(
            coded(
                f"This record was transferred to {to} on {at:%d %B %Y}: it is read-only.",
                SharingError.TRANSFERRED,
            )
        )


def connect() -> None:
    from django.apps import apps

    for app_label, model_name in [("subjects", "subject"), *_RECORD_PATHS]:
        model = apps.get_model(app_label, model_name)
        pre_save.connect(refuse_transferred, sender=model, dispatch_uid=f"sharing-closed-{model_name}")
    post_save.connect(subject_saved, sender=Subject, dispatch_uid="sharing-registry-subject")
    post_delete.connect(subject_deleted, sender=Subject, dispatch_uid="sharing-registry-erase")
    post_save.connect(alias_changed, sender=SubjectAlias, dispatch_uid="sharing-registry-alias")
    post_delete.connect(alias_changed, sender=SubjectAlias, dispatch_uid="sharing-registry-alias-gone")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="sharing-readers-membership")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="sharing-readers-removed")
    subjects_bulk_created.connect(subjects_imported, dispatch_uid="sharing-registry-import")
    membership_ended.connect(membership_stopped, dispatch_uid="sharing-readers-ended")
