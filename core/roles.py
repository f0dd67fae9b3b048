"""Roles and the permissions they carry: data, so the mapping is read and changed in one place."""

from __future__ import annotations

from django.db import models


class ForceRole(models.TextChoices):
    """A role a person holds in one force (see DOMAIN.md, "Who uses the platform")."""

    FORCE_ADMIN = "force-admin", "Force administrator"
    COORDINATOR = "coordinator", "AOU coordinator"
    OFFICER = "officer", "AOU officer / plan author"
    SUPERVISOR = "supervisor", "Supervisor"
    VISITING_OFFICER = "visiting-officer", "Visiting officer"
    VIEWER = "viewer", "Wider workforce (read-only)"
    ANALYST = "analyst", "Analyst"
    DISCLOSURE_OFFICER = "disclosure-officer", "Disclosure officer"
    AUDITOR = "auditor", "Auditor"
    # A partner agency's user (probation, prison) added by the force: reads what is granted to them.
    PARTNER = "partner-agency", "Partner agency (probation, prison)"


class RegionalRoleKind(models.TextChoices):
    """A role above a single force."""

    REGIONAL_ADMIN = "regional-admin", "Regional administrator"
    REGIONAL_ANALYST = "regional-analyst", "Regional analyst"
    PLATFORM_ADMIN = "platform-admin", "Platform administrator"


class Perm(models.TextChoices):
    """Force-level permissions. Views and viewsets ask for these, never for a role."""

    VIEW_SUBJECT = "view_subject", "See subjects and open their case files"
    CHANGE_SUBJECT = "change_subject", "Create and change subjects"
    DELETE_SUBJECT = "delete_subject", "Erase subjects"
    VIEW_BRIEFING = "view_briefing", "Read briefings"
    VIEW_AUDIT = "view_audit", "Search and export the access log"
    MANAGE_PEOPLE = "manage_people", "Invite people and change their roles"
    MANAGE_TEAMS = "manage_teams", "Manage teams and areas"
    MANAGE_SETTINGS = "manage_settings", "Change the force's practice settings"
    VIEW_SETTINGS = "view_settings", "Read the force's practice settings"
    VIEW_ORDER = "view_order", "See orders, their terms and notification requirements"
    CHANGE_ORDER = "change_order", "Record and change orders, terms and notifications"
    VIEW_PLAN = "view_plan", "Read subject profile management plans and their versions"
    CHANGE_PLAN = "change_plan", "Draft, revise and submit plans; close a plan"
    APPROVE_PLAN = "approve_plan", "Approve or send back a submitted plan version (not one's own)"
    VIEW_PROTECTED_PERSON = (
        "view_protected_person",
        "See the protected persons of subjects one's team manages, and their contact log",
    )
    VIEW_ANY_PROTECTED_PERSON = (
        "view_any_protected_person",
        "See the protected persons of every subject of the force",
    )
    CHANGE_PROTECTED_PERSON = (
        "change_protected_person",
        "Record, change and remove protected persons of subjects one's team manages; log contacts",
    )
    IMPORT_CASELOAD = "import_caseload", "Import subjects and orders from a caseload file"
    CONDUCT_REVIEW = "conduct_review", "Review a plan's compliance term by term (managing team only)"
    RECORD_VISIT = "record_visit", "See visits tasked to one's teams or oneself and record their outcomes"
    RECORD_BREACH = "record_breach", "Record breaches of orders and their outcomes"
    VIEW_TRENDS = "view_trends", "Read compliance trends and outcomes (aggregates only)"
    USE_INBOX = "use_inbox", "Read one's own reminders and choose how they are emailed"
    REVIEW_RETENTION = "review_retention", "Review records for retention (MoPI): retain or dispose"
    VIEW_RESOURCING = "view_resourcing", "See the unit's capacity against demand (numbers and team names)"
    REQUEST_SHARING = "request_sharing", "Check other forces' registry and ask them to share a subject"
    DECIDE_SHARING = "decide_sharing", "Approve, refuse and revoke what the force shares with others"
    READ_SHARED = "read_shared", "Read what other forces (or the force, for partners) shared"


_CASEWORK = {
    Perm.VIEW_SUBJECT,
    Perm.CHANGE_SUBJECT,
    Perm.VIEW_ORDER,
    Perm.CHANGE_ORDER,
    Perm.VIEW_BRIEFING,
    Perm.VIEW_SETTINGS,
    # Narrowed by a row rule to subjects whose managing team holds the person (orders.models).
    Perm.VIEW_PROTECTED_PERSON,
    Perm.CHANGE_PROTECTED_PERSON,
}

#: Plans (issue 12): every case worker reads and drafts them; only a supervisor approves.
_PLAN_WORK = {Perm.VIEW_PLAN, Perm.CHANGE_PLAN}

#: Compliance (issue 13): the unit reviews, visits and records breaches; visiting officers visit.
_COMPLIANCE_WORK = {Perm.CONDUCT_REVIEW, Perm.RECORD_VISIT, Perm.RECORD_BREACH, Perm.VIEW_TRENDS}

#: Cross-force sharing (issue 14): case workers ask and read; disclosure officers decide.
_SHARING = {Perm.REQUEST_SHARING, Perm.READ_SHARED}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ForceRole.FORCE_ADMIN: frozenset(
        {
            Perm.MANAGE_PEOPLE,
            Perm.MANAGE_TEAMS,
            Perm.MANAGE_SETTINGS,
            Perm.VIEW_SETTINGS,
            Perm.VIEW_RESOURCING,
        }
    ),
    # Importing a caseload records and changes subjects and orders and shows possible duplicates:
    # case work, so the coordinator's (who runs the unit's caseload), not the force administrator's,
    # who holds no case-data permission at all.
    ForceRole.COORDINATOR: frozenset(
        _CASEWORK
        | _PLAN_WORK
        | _COMPLIANCE_WORK
        | _SHARING
        | {
            Perm.DELETE_SUBJECT,
            Perm.MANAGE_TEAMS,
            Perm.IMPORT_CASELOAD,
            Perm.REVIEW_RETENTION,
            Perm.VIEW_RESOURCING,
        }
    ),
    ForceRole.OFFICER: frozenset(
        _CASEWORK | _PLAN_WORK | _SHARING | {Perm.CONDUCT_REVIEW, Perm.RECORD_VISIT, Perm.RECORD_BREACH}
    ),
    ForceRole.SUPERVISOR: frozenset(
        _CASEWORK
        | _PLAN_WORK
        | {
            Perm.APPROVE_PLAN,
            Perm.VIEW_ANY_PROTECTED_PERSON,
            Perm.CONDUCT_REVIEW,
            Perm.RECORD_BREACH,
            Perm.VIEW_TRENDS,
            Perm.REVIEW_RETENTION,
            Perm.VIEW_RESOURCING,
            Perm.READ_SHARED,
        }
    ),
    ForceRole.VISITING_OFFICER: frozenset({Perm.VIEW_BRIEFING, Perm.VIEW_SETTINGS, Perm.RECORD_VISIT}),
    ForceRole.VIEWER: frozenset({Perm.VIEW_BRIEFING}),
    ForceRole.ANALYST: frozenset({Perm.VIEW_SETTINGS, Perm.VIEW_TRENDS, Perm.VIEW_RESOURCING}),
    ForceRole.DISCLOSURE_OFFICER: frozenset(
        {Perm.VIEW_SUBJECT, Perm.VIEW_BRIEFING, Perm.VIEW_PLAN, Perm.DECIDE_SHARING}
    ),
    ForceRole.AUDITOR: frozenset({Perm.VIEW_AUDIT}),
    # Only what the force grants them, object by object (sharing.services.grant_to_partners).
    ForceRole.PARTNER: frozenset({Perm.READ_SHARED}),
}


# Reminders (issue 16): everyone holding a role in a force has an inbox of their own.
for _role in ROLE_PERMISSIONS:
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {Perm.USE_INBOX}


def permissions_for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(out)


#: Roles that a force administrator may ask for but not give alone: a second force administrator
#: (or a regional administrator of the force's region) must approve (issue 8: the auditor role reads
#: the access log, so one administrator must not be able to give it, least of all to themselves).
ROLES_NEEDING_APPROVAL: frozenset[str] = frozenset({ForceRole.AUDITOR})
