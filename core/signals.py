"""Signals that carry effects between apps, so that no app imports one above it.

Senders and receivers both import this module; ``core`` imports no app.
"""

from django.dispatch import Signal

#: A force was onboarded (inside the onboarding transaction, in the new force's schema).
#: kwargs: force. Receivers create the force's defaults (practice settings, ...).
force_onboarded = Signal()

#: The platform tenant was ensured (after ``migrate_all`` and in a fresh test database).
#: Receivers re-ensure public reference data (the statutory order types).
platform_ensured = Signal()

#: A person's membership of a force ended (removed), or was suspended. Sent inside the change's
#: transaction, in the force's schema. kwargs: force, user, actor, removed (bool).
#: Receivers take the person out of the force's teams; they return how many places they ended.
membership_ended = Signal()

#: A subject is about to be erased (inside the erasure transaction). kwargs: subject, actor, reason.
#: Receivers log the erasure of their own records of the subject (which the deletion cascades to).
subject_erasing = Signal()

#: A protected person is about to be erased (``orders.services.remove_protected_person``, inside
#: its transaction, before the deletion cascades). kwargs: person, actor, reason. Receivers log
#: and mark the change to their own records about the person (plans: the risks to them).
protected_person_erasing = Signal()

#: A subject's sex offender registration ended (``registered_until`` now today or before), inside
#: the change's transaction, in the force's schema. kwargs: subject, ended_on, actor. Receivers
#: restart what registration suspended (an SPO's notification requirements), from ``ended_on``.
registration_ended = Signal()

#: A signed-in user was refused a page or endpoint (403). kwargs: request, user, permission,
#: object_type. The audit app logs it, naming the route and the UUIDs it parsed.
access_refused = Signal()

#: Records naming people were shown (a Django admin list or record page of the platform). kwargs:
#: user, records (model instances with a uuid), justification. The audit app logs one consult per
#: record type naming every record, in the schema the page was served from.
records_viewed = Signal()

#: Subjects were recorded in bulk (an import: no post_save per row), inside its transaction, in the
#: force's schema. kwargs: subjects (saved instances), aliases (subject pk -> alias names).
#: Receivers index them (the cross-force registry).
subjects_bulk_created = Signal()
