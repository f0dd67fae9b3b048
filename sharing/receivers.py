"""What sharing hears from the apps below it (which never import it): subject creation, change
and erasure keep the registry current; membership changes keep the readers' group in step."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save

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


def connect() -> None:
    post_save.connect(subject_saved, sender=Subject, dispatch_uid="sharing-registry-subject")
    post_delete.connect(subject_deleted, sender=Subject, dispatch_uid="sharing-registry-erase")
    post_save.connect(alias_changed, sender=SubjectAlias, dispatch_uid="sharing-registry-alias")
    post_delete.connect(alias_changed, sender=SubjectAlias, dispatch_uid="sharing-registry-alias-gone")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid="sharing-readers-membership")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid="sharing-readers-removed")
    subjects_bulk_created.connect(subjects_imported, dispatch_uid="sharing-registry-import")
    membership_ended.connect(membership_stopped, dispatch_uid="sharing-readers-ended")
