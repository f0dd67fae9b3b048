"""``/api/v1/subjects/``: the subject's core identity, on the force base viewset."""

from __future__ import annotations

from functools import partial
from typing import Any

import django_filters
from django import forms
from django.db import models, transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.normalise import handle_key, imei_key, pnc_key, vrm_key
from core.pagination import CountedPaginator
from core.roles import Perm
from orders.models import ProtectiveOrder
from organisation.choices import RiskLevel
from plans.caseload import KEY_DATE_KINDS, PlanCaseloadFilter
from plans.choices import PlanStatus
from subjects import services
from subjects.models import (
    Subject,
    SubjectAddress,
    SubjectDevice,
    SubjectPhoto,
    SubjectQuerySet,
    SubjectSocialAccount,
    SubjectVehicle,
)

from .errors import PossibleDuplicate
from .pagination import StandardPagination
from .parsers import BoundedMultiPartParser
from .serializers import PossibleDuplicateSerializer, StrictFieldsMixin
from .throttles import SubjectSearchThrottle
from .viewsets import ERASURE_REASON, ForceModelViewSet

MAX_ALIASES = 50


class AliasNamesField(serializers.ListField):
    """The subject's alias names, sorted; from one prefetch for the whole page (``with_alias_names``)."""

    def get_attribute(self, instance: Subject) -> list[str]:
        return instance.alias_names


class RelatedUUIDField(serializers.UUIDField):
    """A related record of this force (area, team, officer) named by its UUID; checked by the service."""

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        return str(value.uuid) if value is not None else None


#: The subject's nested profile lists, each prefetched for a whole page into a plain list.
PROFILE_RELATIONS = ("addresses", "devices", "social_accounts", "vehicles", "photos")


def _fetched(relation: str) -> str:
    return f"fetched_{relation}"


def api_queryset() -> SubjectQuerySet:
    """What the API shows, in a constant number of queries, each nested list as a plain list.

    ``with_profile()`` prefetches into the related managers, for which Django builds a filtered
    queryset for every row and relation (5 per subject: on a list page of 50, more time than the
    queries themselves); ``to_attr`` lists cost nothing per row (as ``with_alias_names``).
    """
    return (
        Subject.objects.with_alias_names()
        .select_related("area", "managing_team", "lead_officer")
        .prefetch_related(*(models.Prefetch(r, to_attr=_fetched(r)) for r in PROFILE_RELATIONS))
    )


class FetchedListSerializer(serializers.ListSerializer):
    """A nested profile list read from ``api_queryset()``'s plain list when the subject has one
    (otherwise from its related manager, as after an update)."""

    def get_attribute(self, instance: Any) -> Any:
        fetched = instance.__dict__.get(_fetched(self.source or ""))
        return fetched if fetched is not None else super().get_attribute(instance)


def _record_serializer(record_model: Any) -> type[serializers.ModelSerializer]:
    """A profile record's serializer: its own fields and known-from/to; checked by the service."""

    class Meta:
        model = record_model
        fields = [*record_model.FIELDS, "known_from", "known_to"]
        extra_kwargs = {"known_from": {"allow_null": True}, "known_to": {"allow_null": True}}
        list_serializer_class = FetchedListSerializer

    name = f"{record_model.__name__}Serializer"
    return type(
        name,
        (StrictFieldsMixin, serializers.ModelSerializer),
        {"Meta": Meta, "__doc__": record_model.__doc__},
    )


def _records(serializer_class: Any, help_text: str) -> Any:
    """A nested list of profile records, replaced whole by a write that gives it."""
    return serializer_class(many=True, required=False, max_length=services.MAX_RECORDS, help_text=help_text)


class PhotoSerializer(serializers.ModelSerializer):
    """A photograph's details. The picture itself is never served by the API: only by the case-file
    page ``/subjects/<uuid>/photos/<photo uuid>/`` (signed in, after a reason for access, logged)."""

    class Meta:
        model = SubjectPhoto
        fields = ["uuid", "caption", "taken_on", "width", "height", "content_type", "added_at"]
        read_only_fields = fields
        list_serializer_class = FetchedListSerializer


AddressSerializer = _record_serializer(SubjectAddress)
DeviceSerializer = _record_serializer(SubjectDevice)
SocialAccountSerializer = _record_serializer(SubjectSocialAccount)
VehicleSerializer = _record_serializer(SubjectVehicle)


class SubjectSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A subject's identity and profile. Each nested list (aliases, addresses, devices, social media
    accounts, vehicles) is replaced whole by a write that gives it; nothing is saved unless all is right."""

    aliases = AliasNamesField(
        child=serializers.CharField(max_length=250, allow_blank=False),
        required=False,
        max_length=MAX_ALIASES,
        help_text="Other names the subject is known by; on update, the full new list.",
    )
    confirm_new = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On create: record the subject even though one with the same name (or alias) and "
        "date of birth is held (otherwise 409 possible_duplicate naming the matches' UUIDs).",
    )
    area = RelatedUUIDField(required=False, allow_null=True, help_text="UUID of an area of this force.")
    managing_team = RelatedUUIDField(
        required=False, allow_null=True, help_text="UUID of an ancillary order unit (a team of kind aou)."
    )
    lead_officer = RelatedUUIDField(
        required=False, allow_null=True, help_text="UUID of a person with a membership of this force."
    )
    warning_markers = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        max_length=services.MAX_RECORDS,
        help_text="From the force's practice settings (warning_markers).",
    )
    addresses = _records(AddressSerializer, "Addresses: kind home, other or nfa (no fixed abode).")
    devices = _records(DeviceSerializer, "Electronic devices; an IMEI must pass its Luhn check digit.")
    social_accounts = _records(SocialAccountSerializer, "Social media accounts (handle or profile URL).")
    photos = PhotoSerializer(
        many=True, read_only=True, help_text="Photographs (added on the case-file page)."
    )
    vehicles = _records(VehicleSerializer, "Vehicles; a VRM must look like a GB or NI registration mark.")

    class Meta:
        model = Subject
        fields = [
            "uuid",
            "family_name",
            "given_names",
            "date_of_birth",
            "pnc_id",
            "niche_nominal_ref",
            "aliases",
            "confirm_new",
            "gender",
            "area",
            "managing_team",
            "lead_officer",
            "warning_markers",
            "registered_sex_offender",
            "registered_from",
            "registered_until",
            "retention_group",
            "next_review_date",
            "addresses",
            "devices",
            "social_accounts",
            "vehicles",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {
            "date_of_birth": {"allow_null": True},
            "registered_from": {"allow_null": True},
            "registered_until": {"allow_null": True},
            "next_review_date": {"allow_null": True},
        }


class CaseloadOrderSerializer(serializers.ModelSerializer):
    """One of the subject's orders as the caseload shows it (the whole order: /api/v1/orders/<uuid>/)."""

    order_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The order type's code, e.g. SPO."
    )

    class Meta:
        model = ProtectiveOrder
        fields = ["uuid", "order_type", "status", "expires_on", "until_further_order"]
        read_only_fields = fields


class CaseloadPlanSerializer(serializers.Serializer):
    """The subject's plan as the caseload shows it (the whole plan: /api/v1/plans/<uuid>/)."""

    uuid = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=PlanStatus.choices, read_only=True)
    risk_level = serializers.ChoiceField(
        choices=[("", "Not assessed"), *RiskLevel.choices],
        read_only=True,
        help_text="The active version's, else the latest version's; empty when not assessed.",
    )
    next_review_due = serializers.DateField(read_only=True, allow_null=True)
    review_overdue = serializers.BooleanField(read_only=True)
    ready_to_close = serializers.BooleanField(
        read_only=True, help_text="Every order of the subject has ended: the coordinator may close the plan."
    )


class CaseloadSubjectSerializer(SubjectSerializer):
    """A subject in the list: identity and profile, with the caseload's facts (``orders.caseload``).
    The order facts are null for a reader who may not see orders."""

    orders = CaseloadOrderSerializer(
        source="caseload_orders",
        many=True,
        read_only=True,
        allow_null=True,
        help_text="The subject's orders: live ones first (made, in force, under appeal), then the others.",
    )
    next_key_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The earliest of: a live order's end date, an open notification's last day, the "
        "active plan's next review, the next MoPI review. Past dates included (still waiting for someone).",
    )
    next_key_date_kind = serializers.ChoiceField(
        choices=KEY_DATE_KINDS, read_only=True, allow_null=True, help_text="What the next key date is."
    )
    needs_plan = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Whether the force's plan scope (practice settings) asks for a plan for this subject.",
    )
    plan = CaseloadPlanSerializer(
        source="caseload_plan",
        read_only=True,
        allow_null=True,
        help_text="The subject's plan; null when they have none or the reader may not see plans.",
    )
    needs_plan_without_one = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Needs a plan (the force's plan scope, with the plan's risk level) and has none; null "
        "for a reader who may not see orders or plans.",
    )
    order_ending_soon = serializers.BooleanField(
        source="has_order_ending_soon",
        read_only=True,
        allow_null=True,
        help_text="A live order ends within 90 days (or has passed its end date still in force).",
    )
    overdue_notification = serializers.BooleanField(
        source="has_overdue_notification",
        read_only=True,
        allow_null=True,
        help_text="A notification requirement's last day has passed without the subject notifying.",
    )

    class Meta(SubjectSerializer.Meta):
        fields = [
            *SubjectSerializer.Meta.fields,
            "orders",
            "next_key_date",
            "next_key_date_kind",
            "needs_plan",
            "plan",
            "needs_plan_without_one",
            "order_ending_soon",
            "overdue_notification",
        ]
        read_only_fields = SubjectSerializer.Meta.read_only_fields


class PhotoUploadParser(BoundedMultiPartParser):
    """A photograph and its caption and date: the photograph's limit plus room for the rest."""

    max_bytes = services.MAX_PHOTO_BYTES + 64 * 1024


class PhotoUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    """A photograph of the subject, sent as multipart/form-data."""

    photo = serializers.FileField(
        allow_empty_file=False,
        help_text="A JPEG or PNG under 10 MB (40 million pixels at most). It is checked, turned "
        "upright and saved without its metadata (EXIF: camera, time, GPS position).",
    )
    caption = serializers.CharField(required=False, allow_blank=True, max_length=200)
    taken_on = serializers.DateField(required=False, allow_null=True, help_text="Not in the future.")


class EndRegistrationSerializer(StrictFieldsMixin, serializers.Serializer):
    """The day the subject's sex offender registration ended."""

    ended_on = serializers.DateField(
        help_text="Today or before, not before registration began. Notification requirements the "
        "registration suspended restart from that day (it counts as day one)."
    )


class SubjectFilter(PlanCaseloadFilter):
    """The caseload's filters and sort orders (``orders.caseload`` and ``plans.caseload``:
    ``order_type``, ``order_status``, ``team``, ``area``, ``expiring``, ``overdue``, ``risk_level``,
    ``plan_status``, ``review``, ``ready_to_close``, ``no_plan``, ``ordering``) and the API's searches."""

    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        label="Name or alias (any part), or exactly a PNC id, VRM, IMEI or social media handle.",
    )
    vrm = django_filters.CharFilter(
        method="filter_vrm", max_length=20, label="Vehicle registration mark, exactly."
    )
    imei = django_filters.CharFilter(method="filter_imei", max_length=30, label="Device IMEI, exactly.")
    handle = django_filters.CharFilter(
        method="filter_handle", max_length=300, label="Social media handle or profile URL, exactly."
    )
    pnc_id = django_filters.CharFilter(method="filter_pnc", max_length=13, label="PNC id, exactly.")
    date_of_birth = django_filters.DateFilter(field_name="date_of_birth", label="Date of birth.")

    class Meta:
        model = Subject
        fields = ["search", "pnc_id", "date_of_birth", "vrm", "imei", "handle"]
        form = forms.Form  # DRF's wording for the API; the page's filter form words errors the GOV.UK way

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.search(value)

    def filter_pnc(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(pnc_search=pnc_key(value))

    def filter_vrm(self, queryset: SubjectQuerySet, name: str, value: str) -> Any:
        return queryset.filter(vehicles__vrm_key=vrm_key(value)).distinct()

    def filter_imei(self, queryset: SubjectQuerySet, name: str, value: str) -> Any:
        return queryset.filter(devices__imei_key=imei_key(value)).distinct()

    def filter_handle(self, queryset: SubjectQuerySet, name: str, value: str) -> Any:
        return queryset.filter(social_accounts__handle_key=handle_key(value)).distinct()


class CaseloadFilterBackend(DjangoFilterBackend):
    """The list's filters, kept on the view for the caseload's counts and rows. Only the list is
    filtered: a case file is found by its UUID whatever the query string holds."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if getattr(view, "action", None) != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Any, queryset: Any, view: Any) -> Any:
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class CaseloadPagination(StandardPagination):
    """Pages of the caseload with its counts: ``counts`` = ``{"total": n, "expiring": n, "overdue":
    n}`` over the whole filtered list (a facet's key is the filter that shows only those)."""

    counts: Any = None

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.counts = view.filterset.counts(queryset)
        # The counts' aggregate counted the list: no second COUNT(*) over the same filters.
        self.django_paginator_class = partial(CountedPaginator, count=self.counts.total)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Any:
        response = super().get_paginated_response(data)
        response.data["counts"] = {
            "total": self.counts.total,
            **{f.param: f.count for f in self.counts.facets},
        }
        return response

    def get_paginated_response_schema(self, schema: Any) -> Any:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["counts"] = {
            "type": "object",
            "additionalProperties": {"type": "integer"},
            "example": {"total": 120, "expiring": 12, "overdue": 3},
            "description": "Subjects in the whole filtered list (total) and per facet: 'expiring' (an order "
            "ending within 90 days), 'overdue' (a notification overdue); facets only for readers of orders.",
        }
        return paginated


@extend_schema_view(
    list=extend_schema(
        summary="The caseload: list subjects with their orders, next key date and need of a plan "
        "(the list is logged, naming every subject shown)."
    ),
    retrieve=extend_schema(summary="Open a subject's case file (needs X-Access-Reason; logged)."),
    create=extend_schema(
        summary="Record a new subject.",
        responses={
            201: SubjectSerializer,
            409: OpenApiResponse(
                PossibleDuplicateSerializer,
                description="possible_duplicate: a subject with this name (or alias) and date of birth "
                "is held; `matches` names them (send confirm_new: true to record a new subject all "
                "the same). conflict: the change clashed with another record (reload, try again).",
            ),
        },
    ),
    update=extend_schema(summary="Replace a subject's identity fields."),
    partial_update=extend_schema(summary="Change some of a subject's identity fields."),
    destroy=extend_schema(summary="Erase a subject (coordinators; needs X-Erasure-Reason; logged)."),
)
class SubjectViewSet(ForceModelViewSet):
    """Subjects of the force whose host this is."""

    queryset = Subject.objects.all()
    serializer_class = SubjectSerializer
    filterset_class = SubjectFilter
    filter_backends = [CaseloadFilterBackend]  # sorting is the filterset's ``ordering`` (checked)
    pagination_class = CaseloadPagination
    throttle_classes = [SubjectSearchThrottle]  # a search term: counted per person (api/throttles.py)
    filterset: SubjectFilter  # set by CaseloadFilterBackend on a list
    required_permissions = {
        "list": Perm.VIEW_SUBJECT,
        "retrieve": Perm.VIEW_SUBJECT,
        "create": Perm.CHANGE_SUBJECT,
        "update": Perm.CHANGE_SUBJECT,
        "partial_update": Perm.CHANGE_SUBJECT,
        "destroy": Perm.DELETE_SUBJECT,
        "end_registration": Perm.CHANGE_SUBJECT,
        "photo_upload": Perm.CHANGE_SUBJECT,
    }
    action_scopes = {
        **ForceModelViewSet.action_scopes,
        "end_registration": "change",
        "photo_upload": "change",
    }
    reason_headers = {**ForceModelViewSet.reason_headers, "destroy": ERASURE_REASON}

    def get_base_queryset(self) -> models.QuerySet[Subject]:
        return api_queryset()

    def get_serializer_class(self) -> Any:
        return CaseloadSubjectSerializer if self.action == "list" else SubjectSerializer

    def prepare_list(self, objects: list[Subject]) -> None:
        self.filterset.prepare_rows(objects)

    # -- audit: the subject services' own consult records ------------------------------------
    def audit_retrieve(self, instance: Subject, reason: str) -> None:
        services.record_case_file_opened(actor=self.request.user, subject=instance, reason=reason)

    def audit_list(self, objects: list[Subject]) -> None:
        services.record_list_viewed(actor=self.request.user, subjects=objects, what="API subject list")

    # -- writes: through the services, which validate and write the audit events -------------
    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = services.create_subject(
                actor=self.request.user, **serializer.validated_data
            )
        except services.PossibleDuplicate as duplicate:
            services.record_list_viewed(
                actor=self.request.user,
                subjects=duplicate.matches,
                what="API possible duplicates of a new subject",
            )
            raise PossibleDuplicate([m.uuid for m in duplicate.matches]) from None

    def perform_update(self, serializer: Any) -> None:
        changes = dict(serializer.validated_data)
        changes.pop("confirm_new", None)  # only a create can duplicate
        self.update_through(
            serializer,
            lambda subject: Subject.objects.with_profile().get(
                pk=services.update_subject(actor=self.request.user, subject=subject, **changes).pk
            ),
            services.snapshot,
        )

    def perform_erase(self, instance: Subject, reason: str) -> None:
        services.erase_subject(actor=self.request.user, subject=instance, reason=reason)

    @extend_schema(
        summary="End the subject's sex offender registration; the notification it suspended restarts.",
        request=EndRegistrationSerializer,
        responses={200: SubjectSerializer},
    )
    @action(detail=True, methods=["post"], url_path="end-registration")
    def end_registration(self, request: Any, uuid: str | None = None) -> Response:
        with transaction.atomic():
            subject = self.get_object()
            body = EndRegistrationSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.end_registration(actor=request.user, subject=subject, **body.validated_data)
        return Response(self.get_serializer(self.get_base_queryset().get(pk=subject.pk)).data)

    @extend_schema(
        summary="Add a photograph of the subject (multipart); served only by the case-file page.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="photos",
        parser_classes=[PhotoUploadParser],
    )
    def photo_upload(self, request: Any, uuid: str | None = None) -> Response:
        with transaction.atomic():
            subject = self.get_object()
            body = PhotoUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            upload = body.validated_data["photo"]
            photo = services.add_subject_photo(
                actor=request.user,
                subject=subject,
                # One byte over the limit is enough for the service to refuse it.
                data=upload.read(services.MAX_PHOTO_BYTES + 1),
                caption=body.validated_data.get("caption", ""),
                taken_on=body.validated_data.get("taken_on"),
            )
        return Response(PhotoSerializer(photo).data, status=201)
