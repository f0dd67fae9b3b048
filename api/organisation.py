"""Areas and teams over the API (/api/v1/areas/, /api/v1/teams/), through organisation.services."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from core.roles import Perm
from organisation import services as organisation
from organisation.choices import TeamKind
from organisation.models import Area, PlannedAbsence, Team
from tenants.models import User

from .serializers import StrictFieldsMixin, WholeItemSerializer
from .viewsets import ForceModelViewSet


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
    hours_per_week = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=168,
        required=False,
        help_text="Hours a week on this work (0 to 168); left out: unchanged (0 for a new member).",
    )


class AreaUuidsField(serializers.ListField):
    def get_attribute(self, instance: Team) -> list[str]:
        return sorted(str(a.uuid) for a in instance.areas.all())


class MembersField(serializers.ListField):
    def get_attribute(self, instance: Team) -> list[dict[str, Any]]:
        return [
            {"user": link.user.uuid, "is_lead": link.is_lead, "hours_per_week": link.hours_per_week}
            for link in instance.team_members.all()
        ]


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
        fields = ["uuid", "name", "kind", "areas", "members", "visit_share", "created_at"]
        read_only_fields = ["uuid", "created_at"]
        extra_kwargs: ClassVar[dict[str, Any]] = {
            "name": {"validators": []},
            "visit_share": {"required": False, "validators": [], "min_value": 0, "max_value": 100},
        }

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
        return [{**m, "user": found[m["user"]]} for m in value]


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

    def _set_capacity(self, team: Team, data: dict[str, Any]) -> None:
        hours = {m["user"].pk: m["hours_per_week"] for m in data.get("members", []) if "hours_per_week" in m}
        if hours or "visit_share" in data:
            organisation.set_team_capacity(
                actor=self.request.user, team=team, hours=hours, visit_share=data.get("visit_share")
            )

    @transaction.atomic
    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        members = data.get("members", [])
        lead = next((m["user"] for m in members if m["is_lead"]), None)
        team = organisation.create_team(
            actor=self.request.user,
            name=data["name"],
            kind=data["kind"],
            areas=data.get("areas", []),
            members=[m["user"] for m in members],
            lead=lead,
        )
        self._set_capacity(team, data)
        serializer.instance = self.get_base_queryset().get(pk=team.pk)

    @transaction.atomic
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
        self._set_capacity(serializer.instance, data)
        serializer.instance = self.get_base_queryset().get(pk=serializer.instance.pk)

    def perform_erase(self, instance: Team, reason: str) -> None:
        organisation.delete_team(actor=self.request.user, team=instance)


class PlannedAbsenceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="uuid", queryset=User.objects.all(), help_text="UUID of a person of this force."
    )

    class Meta:
        model = PlannedAbsence
        fields = ["uuid", "user", "starts_on", "ends_on", "created_at"]
        read_only_fields = ["uuid", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="Planned absences of people of this force (resourcing capacity)."),
    create=extend_schema(summary="Record a planned absence (from and to, inclusive)."),
    destroy=extend_schema(summary="Remove a planned absence."),
)
class PlannedAbsenceViewSet(ForceModelViewSet):
    """A person away from one day to another: their hours leave the unit's capacity for those days."""

    queryset = PlannedAbsence.objects.all()
    serializer_class = PlannedAbsenceSerializer
    ordering_fields = ["starts_on", "ends_on"]
    reason_headers: ClassVar[dict[str, Any]] = {}
    http_method_names = ["get", "post", "delete", "head", "options"]
    required_permissions = {
        "list": Perm.MANAGE_TEAMS,
        "retrieve": Perm.MANAGE_TEAMS,
        "create": Perm.MANAGE_TEAMS,
        "destroy": Perm.MANAGE_TEAMS,
    }

    def get_base_queryset(self) -> models.QuerySet[PlannedAbsence]:
        return PlannedAbsence.objects.select_related("user").order_by("starts_on", "id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = organisation.add_planned_absence(
            actor=self.request.user, user=data["user"], starts_on=data["starts_on"], ends_on=data["ends_on"]
        )

    def perform_erase(self, instance: PlannedAbsence, reason: str) -> None:
        organisation.delete_planned_absence(actor=self.request.user, absence=instance)
