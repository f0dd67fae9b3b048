"""Sharing pages on a force host: check other forces, ask, the owner's queue and decisions, what
the force shares (revoke), and "Shared with us". Every step goes through ``sharing.services``."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core.forms import add_service_errors
from core.pages import ForcePageMixin
from core.roles import Perm
from core.tenancy import host_force
from subjects.models import Subject
from tenants.models import Force

from . import services, transfer
from .choices import Scope
from .errors import NotFound, SharingRefused, Throttled
from .forms import (
    CheckForm,
    DecisionForm,
    ExtendForm,
    RequestForm,
    RevokeForm,
    TransferAnswerForm,
    TransferOfferForm,
)
from .models import Grant, SharingRequest, Transfer


def _force(request: HttpRequest) -> Force:
    force = host_force(request)
    assert isinstance(force, Force)
    return force


class SharingPage(ForcePageMixin, View):
    template_name = ""
    case_data = True

    def page(self, context: dict[str, Any], status: int = 200, template: str = "") -> HttpResponse:
        context.setdefault("case_data", self.case_data)
        context.setdefault("force", _force(self.request))
        return render(self.request, template or self.template_name, context, status=status)

    def refused(self, exc: SharingRefused) -> HttpResponse:
        if isinstance(exc, NotFound):
            raise Http404(exc.message)
        response = self.page({"refusal": exc}, status=exc.status, template="sharing/refused.html")
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def own_subject(self, uuid: Any) -> Subject:
        subject = (
            Subject.objects.restrict(self.request.user, "view", force=_force(self.request))
            .filter(uuid=uuid)
            .first()
        )
        if subject is None:
            raise Http404("No such subject.")
        return subject


class CheckView(SharingPage):
    """ "Check other forces": for a subject of the force, or the new-subject form's identifiers."""

    permission = Perm.REQUEST_SHARING
    template_name = "sharing/check.html"

    def get(self, request: HttpRequest, uuid: Any = None) -> HttpResponse:
        subject = self.own_subject(uuid) if uuid else None
        return self.page({"subject": subject, "form": CheckForm(initial=request.GET or None)})

    def post(self, request: HttpRequest, uuid: Any = None) -> HttpResponse:
        force = _force(request)
        subject = self.own_subject(uuid) if uuid else None
        form = CheckForm(request.POST)
        if subject is None and not form.is_valid():
            return self.page({"subject": None, "form": form}, status=400)
        data = form.cleaned_data if subject is None else {}
        try:
            matches = services.check_registry(
                actor=request.user,
                force=force,
                subject=subject,
                pnc_id=data.get("pnc_id", ""),
                names=[f"{data.get('given_names', '')} {data.get('family_name', '')}"],
                date_of_birth=data.get("date_of_birth"),
            )
        except SharingRefused as exc:
            return self.refused(exc)
        return self.page({"subject": subject, "form": form, "matches": matches, "checked": True})


class AskView(SharingPage):
    permission = Perm.REQUEST_SHARING
    template_name = "sharing/ask.html"

    def context(self, uuid: Any, force_uuid: Any, form: Any) -> dict[str, Any]:
        owner = Force.objects.exclude(schema_name="public").filter(uuid=force_uuid).first()
        if owner is None:
            raise Http404("No such force.")
        return {"subject": self.own_subject(uuid), "owner": owner, "form": form}

    def get(self, request: HttpRequest, uuid: Any, force_uuid: Any) -> HttpResponse:
        return self.page(self.context(uuid, force_uuid, RequestForm()))

    def post(self, request: HttpRequest, uuid: Any, force_uuid: Any) -> HttpResponse:
        form = RequestForm(request.POST)
        context = self.context(uuid, force_uuid, form)
        if form.is_valid():
            try:
                services.request_sharing(
                    actor=request.user,
                    force=_force(request),
                    subject=context["subject"],
                    owning_force_uuid=context["owner"].uuid,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                messages.success(request, f"Your request has gone to {context['owner'].name}.")
                return HttpResponseRedirect(reverse("sharing:asked"))
        return self.page(context, status=400)


class AskedView(SharingPage):
    """What this force asked for: the outcome and reasons only."""

    permission = Perm.REQUEST_SHARING
    template_name = "sharing/asked.html"
    case_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        asked = services.asked_by(_force(request))
        names = dict(
            Force.objects.filter(uuid__in={r.owning_force_uuid for r in asked}).values_list("uuid", "name")
        )
        return self.page({"asked": [(r, names.get(r.owning_force_uuid, "")) for r in asked]})


class QueueView(SharingPage):
    permission = Perm.DECIDE_SHARING
    template_name = "sharing/queue.html"
    case_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        pending = services.queue(_force(request))
        names = dict(
            Force.objects.filter(uuid__in={r.requesting_force_uuid for r in pending}).values_list(
                "uuid", "name"
            )
        )
        return self.page({"pending": [(r, names.get(r.requesting_force_uuid, "")) for r in pending]})


class DecideView(SharingPage):
    permission = Perm.DECIDE_SHARING
    template_name = "sharing/decide.html"

    def the_request(self, uuid: Any) -> tuple[SharingRequest, Subject, str]:
        force = _force(self.request)
        found = SharingRequest.objects.filter(uuid=uuid, owning_force_uuid=force.uuid).first()
        if found is None:
            raise Http404("No such request.")
        subject = (
            Subject.objects.restrict(self.request.user, "view", force=force)
            .filter(uuid=found.subject_uuid)
            .first()
        )
        if subject is None:
            raise Http404("The subject is no longer held.")
        asker = Force.objects.filter(uuid=found.requesting_force_uuid).values_list("name", flat=True).first()
        return found, subject, asker or ""

    def show(self, uuid: Any, form: Any, status: int = 200) -> HttpResponse:
        found, subject, asker = self.the_request(uuid)
        return self.page({"req": found, "subject": subject, "asker": asker, "form": form}, status=status)

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        found, _, _ = self.the_request(uuid)
        form = DecisionForm(initial={"scopes": found.scopes, "duration_days": found.duration_days})
        return self.show(uuid, form)

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    services.approve(
                        actor=request.user,
                        force=_force(request),
                        request_uuid=uuid,
                        scopes=data["scopes"],
                        duration_days=data.get("duration_days"),
                        reasons=data.get("reasons", ""),
                    )
                    messages.success(request, "Approved: the requesting force can now read what you shared.")
                else:
                    services.refuse(
                        actor=request.user, force=_force(request), request_uuid=uuid, reasons=data["reasons"]
                    )
                    messages.success(request, "Refused: the requesting force has been told your reasons.")
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                return HttpResponseRedirect(reverse("sharing:queue"))
        return self.show(uuid, form, status=400)


class GrantedView(SharingPage):
    """What this force shares with others and with its partner agencies; revoke from here."""

    permission = Perm.DECIDE_SHARING
    template_name = "sharing/granted.html"
    case_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        grants = services.granted_by(_force(request))
        names = dict(
            Force.objects.filter(uuid__in={g.receiving_force_uuid for g in grants}).values_list(
                "uuid", "name"
            )
        )
        return self.page({"grants": [(g, names.get(g.receiving_force_uuid, "")) for g in grants]})


class RevokeView(SharingPage):
    permission = Perm.DECIDE_SHARING
    template_name = "sharing/revoke.html"
    case_data = False

    def grant(self, uuid: Any) -> Grant:
        grant = Grant.objects.filter(uuid=uuid, owning_force_uuid=_force(self.request).uuid).first()
        if grant is None:
            raise Http404("No such grant.")
        return grant

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return self.page({"grant": self.grant(uuid), "form": RevokeForm()})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        grant = self.grant(uuid)
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                services.revoke(
                    actor=request.user,
                    force=_force(request),
                    grant_uuid=uuid,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                messages.success(request, "Revoked: nothing more will be read under this grant.")
                return HttpResponseRedirect(reverse("sharing:granted"))
        return self.page({"grant": grant, "form": form}, status=400)


class SharedListView(SharingPage):
    """ "Shared with us": live grants this reader may read."""

    permission = Perm.READ_SHARED
    template_name = "sharing/shared_list.html"
    case_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        grants = services.received(user=request.user, force=_force(request))
        names = dict(
            Force.objects.filter(uuid__in={g.owning_force_uuid for g in grants}).values_list("uuid", "name")
        )
        return self.page({"grants": [(g, names.get(g.owning_force_uuid, "")) for g in grants]})


class SharedDetailView(SharingPage):
    permission = Perm.READ_SHARED
    template_name = "sharing/shared_detail.html"

    def get(self, request: HttpRequest, uuid: uuid_module.UUID) -> HttpResponse:
        try:
            shared = services.read_shared(user=request.user, force=_force(request), grant_uuid=uuid)
        except SharingRefused as exc:
            return self.refused(exc)
        return self.page({"shared": shared, "scopes": {s.value: s.label for s in Scope}})


class ExtendView(SharingPage):
    permission = Perm.REQUEST_SHARING
    template_name = "sharing/extend.html"
    case_data = False

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        # Only a grant made to this force has a form to extend it: anything else is not here.
        if not Grant.objects.filter(uuid=uuid, receiving_force_uuid=_force(request).uuid).exists():
            raise Http404
        return self.page({"uuid": uuid, "form": ExtendForm()})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        form = ExtendForm(request.POST)
        if form.is_valid():
            try:
                services.request_extension(
                    actor=request.user, force=_force(request), grant_uuid=uuid, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                messages.success(request, "Your request to extend has gone to the owning force.")
                return HttpResponseRedirect(reverse("sharing:asked"))
        return self.page({"uuid": uuid, "form": form}, status=400)


# -- transfers -----------------------------------------------------------------------------------------
def _other_forces(force: Force) -> list[tuple[str, str]]:
    return [
        (str(u), n)
        for u, n in Force.objects.exclude(schema_name="public")
        .exclude(pk=force.pk)
        .order_by("name")
        .values_list("uuid", "name")
    ]


class TransferOfferView(SharingPage):
    """Offer one of this force's subjects to another force (from the case file)."""

    permission = Perm.DECIDE_SHARING
    template_name = "sharing/transfer_offer.html"

    def show(self, subject: Subject, form: Any, status: int = 200) -> HttpResponse:
        return self.page({"subject": subject, "form": form}, status=status)

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        subject = self.own_subject(uuid)
        return self.show(subject, TransferOfferForm(forces=_other_forces(_force(request))))

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        subject = self.own_subject(uuid)
        form = TransferOfferForm(request.POST, forces=_other_forces(_force(request)))
        if form.is_valid():
            try:
                transfer.offer_transfer(
                    actor=request.user,
                    force=_force(request),
                    subject=subject,
                    to_force_uuid=form.cleaned_data["to_force"],
                    justification=form.cleaned_data["justification"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                messages.success(request, "Offered: the record moves when the other force accepts.")
                return HttpResponseRedirect(reverse("sharing:transfers"))
        return self.show(subject, form, status=400)


class TransfersView(SharingPage):
    """Offers to this force waiting for an answer, and the offers this force made."""

    permission = Perm.DECIDE_SHARING
    template_name = "sharing/transfers.html"
    case_data = False

    def get(self, request: HttpRequest) -> HttpResponse:
        force = _force(request)
        waiting = transfer.incoming(force)
        made = transfer.offered(force)
        uuids = {t.from_force_uuid for t in waiting} | {t.to_force_uuid for t in made}
        names = dict(Force.objects.filter(uuid__in=uuids).values_list("uuid", "name"))
        return self.page(
            {
                "incoming": [(t, names.get(t.from_force_uuid, "")) for t in waiting],
                "offered": [(t, names.get(t.to_force_uuid, "")) for t in made],
            }
        )


class TransferAnswerView(SharingPage):
    permission = Perm.DECIDE_SHARING
    template_name = "sharing/transfer_answer.html"
    case_data = False

    def offer(self, uuid: Any) -> tuple[Transfer, str]:
        found = Transfer.objects.filter(uuid=uuid, to_force_uuid=_force(self.request).uuid).first()
        if found is None:
            raise Http404("No such offer.")
        name = Force.objects.filter(uuid=found.from_force_uuid).values_list("name", flat=True).first()
        return found, name or ""

    def show(self, uuid: Any, form: Any, status: int = 200) -> HttpResponse:
        found, name = self.offer(uuid)
        return self.page({"offer": found, "from_name": name, "form": form}, status=status)

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return self.show(uuid, TransferAnswerForm())

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        self.offer(uuid)
        form = TransferAnswerForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "accept":
                    transfer.accept_transfer(actor=request.user, force=_force(request), transfer_uuid=uuid)
                    messages.success(request, "Accepted: the subject's record is now this force's.")
                else:
                    transfer.decline_transfer(
                        actor=request.user,
                        force=_force(request),
                        transfer_uuid=uuid,
                        reasons=form.cleaned_data["reasons"],
                    )
                    messages.success(request, "Declined: the offering force keeps the record.")
            except ValidationError as exc:
                add_service_errors(form, exc)
            except SharingRefused as exc:
                return self.refused(exc)
            else:
                return HttpResponseRedirect(reverse("sharing:transfers"))
        return self.show(uuid, form, status=400)
