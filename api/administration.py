"""Force administration over the API: people, teams, areas, practice settings, order types (read-only).

Every endpoint is on the force base viewset (scoping, permissions, audit) and writes through the
services of the web pages: tenants.people, organisation.services, organisation.practice.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

import django_filters
from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.hosts import regional_url
from core.roles import ForceRole, Perm
from organisation import services as organisation
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition, TeamKind
from organisation.models import Area, PracticeSettings, Team, TeamMember
from organisation.practice import REMINDER_FIELDS, review_field, update_practice_settings
from statute.models import OrderType
from tenants import people
from tenants.models import Membership, User, this_force

from .serializers import StrictFieldsMixin, WholeItemSerializer
from .viewsets import ForceModelViewSet, ForceReadOnlyViewSet

# --- People ----------------------------------------------------------------------------------


class PersonSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A person's membership of this force: create invites; writing ``roles`` or ``status`` changes it."""

    email = serializers.EmailField(source="user.email", max_length=254, help_text="Work email address.")
    full_name = serializers.CharField(
        source="user.full_name", max_length=150, required=False, allow_blank=True, default=""
    )
    user_uuid = serializers.UUIDField(source="user.uuid", read_only=True)
    last_login = serializers.DateTimeField(source="user.last_login", read_only=True, allow_null=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ForceRole.choices),
        min_length=1,
        max_length=len(ForceRole),
        help_text="Every role the person holds in this force.",
    )
    status = serializers.ChoiceField(
        choices=Membership.Status.choices,
        required=False,
        help_text="Set 'suspended' to suspend, 'active' to reinstate; 'invited' is set by an invitation.",
    )
    pending_roles = serializers.SerializerMethodField(
        help_text="Roles asked for that await a second administrator's approval (the auditor role)."
    )

    class Meta:
        model = Membership
        fields = [
            "uuid",
            "user_uuid",
            "email",
            "full_name",
            "roles",
            "status",
            "last_login",
            "created_at",
            "pending_roles",
        ]
        read_only_fields = ["uuid", "user_uuid", "last_login", "created_at", "pending_roles"]

    def get_pending_roles(self, obj: Membership) -> list[str]:
        return people.pending_roles(obj)

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        # Until the invitee accepts, nothing from the account itself (its name, its sign-ins
        # elsewhere): an invitation must not tell whether the address already had an account.
        if instance.status == Membership.Status.INVITED:
            data["full_name"] = ""
            data["last_login"] = None
        return data


class PersonUpdateSerializer(PersonSerializer):
    """Changing a person: roles and status only (their email is their identity, not the force's)."""

    class Meta(PersonSerializer.Meta):
        read_only_fields = [*PersonSerializer.Meta.read_only_fields, "email", "full_name"]
        extra_kwargs = {"roles": {"required": False}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].read_only = True
        self.fields["full_name"].read_only = True
        self.fields["roles"].required = False


class RoleGrantDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=ForceRole.choices, help_text="The role awaiting approval.")
    decision = serializers.ChoiceField(
        choices=[(people.APPROVE, "Approve"), (people.DECLINE, "Decline")],
        help_text="'approve' (not by whoever asked, nor by the person concerned) or 'decline'.",
    )


class PersonFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=ForceRole.choices, method="filter_role", label="Holds this role."
    )
    status = django_filters.ChoiceFilter(choices=Membership.Status.choices, field_name="status")
    team = django_filters.UUIDFilter(method="filter_team", label="In the team with this UUID.")
    never_signed_in = django_filters.BooleanFilter(
        method="filter_never_signed_in", label="true: never signed in (invited people count as never)."
    )
    signed_in_since = django_filters.DateFilter(
        method="filter_signed_in_since", label="Signed in on or after this date (invited people never)."
    )

    class Meta:
        model = Membership
        fields = ["role", "status", "team", "never_signed_in", "signed_in_since"]

    def filter_role(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(roles__contains=[value])

    def filter_never_signed_in(self, queryset: Any, name: str, value: bool | None) -> Any:
        # An invited person's sign-ins elsewhere are not this force's to see.
        never = models.Q(user__last_login__isnull=True) | models.Q(status=Membership.Status.INVITED)
        if value is None:
            return queryset
        return queryset.filter(never) if value else queryset.exclude(never)

    def filter_signed_in_since(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(user__last_login__date__gte=value).exclude(status=Membership.Status.INVITED)

    def filter_team(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(
            user_id__in=list(TeamMember.objects.filter(team__uuid=value).values_list("user_id", flat=True))
        )


@extend_schema_view(
    list=extend_schema(summary="People of this force (force administrators; the list is logged)."),
    retrieve=extend_schema(summary="One person's membership of this force."),
    create=extend_schema(
        summary="Invite a person: the invitation link is emailed to them only (never returned); "
        "they are 'invited' until they accept."
    ),
    update=extend_schema(summary="Change a person's roles and status."),
    partial_update=extend_schema(summary="Change a person's roles or status (suspend, reinstate)."),
    destroy=extend_schema(summary="Remove a person from this force at once (sessions and tokens end)."),
)
class PersonViewSet(ForceModelViewSet):
    """Memberships of the force whose host this is."""

    queryset = Membership.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["created_at"]
    reason_headers: ClassVar[dict[str, Any]] = {}
    required_permissions = {
        a: Perm.MANAGE_PEOPLE
        for a in ("list", "retrieve", "create", "update", "partial_update", "destroy", "role_grant")
    }
    action_scopes: ClassVar[dict[str, str]] = {**ForceModelViewSet.action_scopes, "role_grant": "change"}

    def get_base_queryset(self) -> models.QuerySet[Membership]:
        return people.people_queryset()

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        """As on the web: naming a membership that is not this force's is a logged refusal (404).

        Checked here, before the write actions open their transaction, so the refusal's audit
        event is not rolled back with the refused request.
        """
        super().initial(request, *args, **kwargs)
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None and not self.get_queryset().filter(uuid=_uuid_or_none(lookup)).exists():
            with contextlib.suppress(people.NotThisForce):  # it logs the refusal, then says "not this force"
                people.membership_for(force=this_force(), membership_uuid=lookup, actor=request.user)
            raise NotFound("Not found.")

    def get_serializer_class(self) -> Any:
        return PersonUpdateSerializer if self.action in ("update", "partial_update") else PersonSerializer

    def audit_retrieve(self, instance: Membership, reason: str) -> None:
        people.record_people_listed(force=this_force(), actor=self.request.user, memberships=[instance])

    def audit_list(self, objects: list[Membership]) -> None:
        people.record_people_listed(force=this_force(), actor=self.request.user, memberships=objects)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        if data.get("status") not in (None, Membership.Status.INVITED):
            raise serializers.ValidationError({"status": ["An invitation sets the status; leave it out."]})
        invitation = people.invite_member(
            actor=self.request.user,
            force=this_force(),
            email=data["user"]["email"],
            full_name=data["user"].get("full_name", ""),
            roles=data["roles"],
            absolute_url=lambda path: regional_url(self.request._request, path),
        )
        serializer.instance = people.people_queryset().get(pk=invitation.membership.pk)

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        membership: Membership = serializer.instance
        force = this_force()
        actor = self.request.user
        if "roles" in data:
            membership = people.change_roles(
                actor=actor, force=force, membership=membership, roles=data["roles"]
            )
        status = data.get("status")
        if status == Membership.Status.SUSPENDED:
            membership = people.suspend_member(actor=actor, force=force, membership=membership)
        elif status == Membership.Status.ACTIVE and membership.status == Membership.Status.SUSPENDED:
            membership = people.reinstate_member(actor=actor, force=force, membership=membership)
        elif status is not None and status != membership.status:
            raise serializers.ValidationError(
                {"status": ["Set 'suspended' to suspend or 'active' to reinstate a suspended person."]}
            )
        serializer.instance = membership

    @extend_schema(
        summary="Approve (a second administrator) or decline a role awaiting approval.",
        request=RoleGrantDecisionSerializer,
        responses={200: PersonSerializer},
    )
    @action(detail=True, methods=["post"], url_path="role-grants")
    def role_grant(self, request: Any, uuid: Any = None) -> Response:
        decision = RoleGrantDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        with transaction.atomic():
            membership = people.decide_role_grant(
                actor=request.user,
                force=this_force(),
                membership=self.get_object(),
                role=decision.validated_data["role"],
                decision=decision.validated_data["decision"],
            )
        return Response(PersonSerializer(people.people_queryset().get(pk=membership.pk)).data)

    def perform_erase(self, instance: Membership, reason: str) -> None:
        people.remove_member(actor=self.request.user, force=this_force(), membership=instance, reason=reason)


def _uuid_or_none(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- Areas and teams -------------------------------------------------------------------------


class AreaSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["uuid", "name", "code", "description", "created_at"]
        read_only_fields = ["uuid", "created_at"]
        extra_kwargs: ClassVar[dict[str, Any]] = {"name": {"validators": []}, "code": {"validators": []}}


@extend_schema_view(
    list=extend_schema(summary="Areas of this force."),
    create=extend_schema(summary="Add an area."),
    destroy=extend_schema(summary="Delete an area (teams stop covering it)."),
)
class AreaViewSet(ForceModelViewSet):
    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    ordering_fields = ["name", "code"]
    reason_headers: ClassVar[dict[str, Any]] = {}
    required_permissions = {
        "list": Perm.MANAGE_TEAMS,
        "retrieve": Perm.MANAGE_TEAMS,
        "create": Perm.MANAGE_TEAMS,
        "update": Perm.MANAGE_TEAMS,
        "partial_update": Perm.MANAGE_TEAMS,
        "destroy": Perm.MANAGE_TEAMS,
    }

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = organisation.create_area(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = organisation.update_area(
            actor=self.request.user, area=serializer.instance, **serializer.validated_data
        )

    def perform_erase(self, instance: Area, reason: str) -> None:
        organisation.delete_area(actor=self.request.user, area=instance)


class TeamMemberSerializer(WholeItemSerializer):
    user = serializers.UUIDField(help_text="UUID of a person of this force.")
    is_lead = serializers.BooleanField(default=False, help_text="At most one member leads the team.")


class AreaUuidsField(serializers.ListField):
    def get_attribute(self, instance: Team) -> list[str]:
        return sorted(str(a.uuid) for a in instance.areas.all())


class MembersField(serializers.ListField):
    def get_attribute(self, instance: Team) -> list[dict[str, Any]]:
        return [{"user": link.user.uuid, "is_lead": link.is_lead} for link in instance.team_members.all()]


class TeamSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TeamKind.choices, help_text="What the team does.")
    areas = AreaUuidsField(
        child=serializers.UUIDField(),
        required=False,
        max_length=500,
        help_text="UUIDs of the areas the team covers.",
    )
    members = MembersField(
        child=TeamMemberSerializer(),
        required=False,
        max_length=1000,
        help_text="The team's members; a write replaces the whole list.",
    )

    class Meta:
        model = Team
        fields = ["uuid", "name", "kind", "areas", "members", "created_at"]
        read_only_fields = ["uuid", "created_at"]
        extra_kwargs: ClassVar[dict[str, Any]] = {"name": {"validators": []}}

    def validate_members(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        leads = [m for m in value if m["is_lead"]]
        if len(leads) > 1:
            raise serializers.ValidationError("Only one member can lead the team.")
        uuids = [m["user"] for m in value]
        if len(set(uuids)) != len(uuids):
            raise serializers.ValidationError("Each person can be listed once.")
        found = {u.uuid: u for u in User.objects.filter(uuid__in=uuids)}
        if len(found) != len(set(uuids)):
            raise serializers.ValidationError("Only people of this force can be added to its teams.")
        return [{"user": found[m["user"]], "is_lead": m["is_lead"]} for m in value]


@extend_schema_view(
    list=extend_schema(summary="Teams of this force with their areas, members and lead."),
    create=extend_schema(summary="Create a team."),
    update=extend_schema(summary="Change a team; members and areas given replace the lists."),
    destroy=extend_schema(summary="Delete a team."),
)
class TeamViewSet(ForceModelViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    ordering_fields = ["name", "kind"]
    reason_headers: ClassVar[dict[str, Any]] = {}
    filterset_fields = ["kind"]
    required_permissions = {
        "list": Perm.MANAGE_TEAMS,
        "retrieve": Perm.MANAGE_TEAMS,
        "create": Perm.MANAGE_TEAMS,
        "update": Perm.MANAGE_TEAMS,
        "partial_update": Perm.MANAGE_TEAMS,
        "destroy": Perm.MANAGE_TEAMS,
    }

    def get_base_queryset(self) -> models.QuerySet[Team]:
        return Team.objects.prefetch_related("areas", "team_members__user")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        members = data.pop("members", [])
        lead = next((m["user"] for m in members if m["is_lead"]), None)
        serializer.instance = organisation.create_team(
            actor=self.request.user,
            name=data["name"],
            kind=data["kind"],
            areas=data.get("areas", []),
            members=[m["user"] for m in members],
            lead=lead,
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        extra: dict[str, Any] = {}
        if "members" in data:
            extra["members"] = [m["user"] for m in data["members"]]
            extra["lead"] = next((m["user"] for m in data["members"] if m["is_lead"]), None)
        organisation.update_team(
            actor=self.request.user,
            team=serializer.instance,
            name=data.get("name"),
            kind=data.get("kind"),
            areas=data.get("areas"),
            **extra,
        )
        serializer.instance = self.get_base_queryset().get(pk=serializer.instance.pk)

    def perform_erase(self, instance: Team, reason: str) -> None:
        organisation.delete_team(actor=self.request.user, team=instance)


# --- Practice settings -----------------------------------------------------------------------


class IntervalSerializer(WholeItemSerializer):
    every = serializers.IntegerField(
        help_text="How many units between reviews (more than zero, up to 5 years)."
    )
    unit = serializers.ChoiceField(choices=IntervalUnit.choices)


class ReviewIntervalsField(serializers.DictField):
    def get_attribute(self, instance: PracticeSettings) -> dict[str, dict[str, Any]]:
        return {i.risk_level: {"every": i.every, "unit": i.unit} for i in instance.review_intervals.all()}


class PlanScopeField(serializers.DictField):
    def get_attribute(self, instance: PracticeSettings) -> dict[str, str]:
        return {r.order_type_code: r.subject_condition for r in instance.scope_rules.all()}


class PracticeSettingsSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The force's practice. A write changes only the parts given; ``plan_scope`` replaces the whole scope."""

    review_intervals = ReviewIntervalsField(
        child=IntervalSerializer(),
        required=False,
        help_text=f"Risk level ({', '.join(RiskLevel.values)}) -> interval.",
    )
    plan_scope = PlanScopeField(
        child=serializers.ChoiceField(choices=SubjectCondition.choices),
        required=False,
        help_text="Order type code (see /order-types/) -> which subjects under it need a plan.",
    )
    tactical_options = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=100
    )
    warning_markers = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=100
    )

    class Meta:
        model = PracticeSettings
        fields = [
            "uuid",
            "review_intervals",
            *REMINDER_FIELDS,
            "plan_scope",
            "tactical_options",
            "warning_markers",
            "updated_at",
        ]
        read_only_fields = ["uuid", "updated_at"]
        extra_kwargs = {f: {"required": False, "validators": []} for f in REMINDER_FIELDS}


@extend_schema_view(
    list=extend_schema(summary="This force's practice settings (one record)."),
    update=extend_schema(summary="Change the practice settings; they apply to schedules made from now on."),
    partial_update=extend_schema(summary="Change some practice settings; they apply to new schedules."),
)
class PracticeSettingsViewSet(ForceModelViewSet):
    """The force's single practice-settings record, as a list of one so it has a UUID like the rest."""

    queryset = PracticeSettings.objects.all()
    serializer_class = PracticeSettingsSerializer
    reason_headers: ClassVar[dict[str, Any]] = {}
    http_method_names = ["get", "put", "patch", "head", "options"]
    required_permissions = {
        "list": Perm.VIEW_SETTINGS,
        "retrieve": Perm.VIEW_SETTINGS,
        "update": Perm.MANAGE_SETTINGS,
        "partial_update": Perm.MANAGE_SETTINGS,
    }

    def get_base_queryset(self) -> models.QuerySet[PracticeSettings]:
        return PracticeSettings.objects.prefetch_related("review_intervals", "scope_rules").order_by("pk")

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        reminders = {f: data[f] for f in REMINDER_FIELDS if f in data}
        try:
            update_practice_settings(
                actor=self.request.user,
                review_intervals=data.get("review_intervals"),
                reminders=reminders or None,
                plan_scope=data.get("plan_scope"),
                tactical_options=data.get("tactical_options"),
                warning_markers=data.get("warning_markers"),
            )
        except Exception as exc:
            from django.core.exceptions import ValidationError as DjangoValidationError

            if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
                raise serializers.ValidationError(_settings_errors(exc.message_dict)) from exc
            raise
        serializer.instance = self.get_base_queryset().get(pk=serializer.instance.pk)


def _settings_errors(message_dict: dict[str, list[str]]) -> dict[str, Any]:
    """Service error keys (review_very_high, ...) as the API's nested field names."""
    by_field: dict[str, Any] = {}
    fields_of_level = {review_field(level): level for level in RiskLevel.values}
    for key, messages in message_dict.items():
        if key in fields_of_level:
            by_field.setdefault("review_intervals", {})[fields_of_level[key]] = messages
        else:
            by_field[key] = messages
    return by_field


# --- Order types (read-only: maintained by platform administrators) ---------------------------


class OrderTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderType
        fields = [
            "uuid",
            "code",
            "name",
            "law",
            "minimum_duration_months",
            "minimum_duration_is_statutory",
            "duration_notes",
            "notification_required",
            "notification_days",
            "notification_trigger",
            "notification_notes",
            "is_active",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Order types and their statutory rules (the same for every force)."),
    retrieve=extend_schema(summary="One order type and its statutory rules."),
)
class OrderTypeViewSet(ForceReadOnlyViewSet):
    queryset = OrderType.objects.all()
    serializer_class = OrderTypeSerializer
    reason_headers: ClassVar[dict[str, Any]] = {}
    filterset_fields = ["code", "is_active", "notification_required"]
    required_permissions = {"list": Perm.VIEW_SETTINGS, "retrieve": Perm.VIEW_SETTINGS}
