"""People of a force over the API (/api/v1/people/): invite, change roles, suspend, reinstate, remove,
and decide role grants; through the services of the web pages (tenants.people)."""

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
from organisation.models import TeamMember
from tenants import people
from tenants.models import Membership, this_force
from tenants.sessions import cycle_session

from .serializers import StrictFieldsMixin
from .viewsets import ForceModelViewSet


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


class RevokedTokensSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text="How many live tokens were revoked.")


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
        for a in (
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
            "destroy",
            "role_grant",
            "revoke_tokens",
        )
    }
    action_scopes: ClassVar[dict[str, str]] = {
        **ForceModelViewSet.action_scopes,
        "role_grant": "change",
        "revoke_tokens": "change",
    }

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
            django_request = self.request._request
            session = getattr(django_request, "session", None)
            if membership.user_id == actor.pk and session is not None and session.session_key:
                cycle_session(django_request)  # one's own roles changed: a new session key
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

    @extend_schema(
        summary="Revoke every API token this person holds on this force's host (logged).",
        request=None,
        responses={200: RevokedTokensSerializer},
    )
    @action(detail=True, methods=["post"], url_path="revoke-tokens")
    def revoke_tokens(self, request: Any, uuid: Any = None) -> Response:
        revoked = people.revoke_member_tokens(
            actor=request.user, force=this_force(), membership=self.get_object()
        )
        return Response({"revoked": revoked})

    def perform_erase(self, instance: Membership, reason: str) -> None:
        people.remove_member(actor=self.request.user, force=this_force(), membership=instance, reason=reason)


def _uuid_or_none(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
