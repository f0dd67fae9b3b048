"""Order pages inside a subject's case file: /subjects/<uuid>/orders/...

Each page opens the subject through ``subjects.views.CaseFileMixin`` (the subject's reason for
access covers its orders: asked once, kept in every consult event), then scopes the orders with
``restrict``. Changes go through ``orders.services``, whose coded field errors land on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from core.forms import add_service_errors
from core.roles import Perm
from core.tenancy import host_force, permissions_in
from subjects.forms import GovukDateField
from subjects.models import Subject
from subjects.views import CaseFileMixin

from . import services
from .forms import NotificationForm, OrderEventForm, OrderForm, StatusForm, TermForm, TriggerForm
from .models import NotificationRequirement, OrderStatus, ProtectiveOrder
from .transitions import allowed_next


def order_url(order: ProtectiveOrder) -> str:
    return reverse("orders:order-detail", kwargs={"uuid": order.subject.uuid, "order": order.uuid})


def form_rows(form: forms.Form) -> list[dict[str, Any]]:
    """Each field with the template part that draws it (date, checkbox or an ordinary field)."""
    rows = []
    for bound in form:
        field = bound.field
        kind = (
            "date"
            if isinstance(field, GovukDateField)
            else "checkbox"
            if isinstance(field, forms.BooleanField)
            else "field"
        )
        rows.append({"kind": kind, "field": bound})
    return rows


class SubjectOrdersMixin(CaseFileMixin, SingleObjectMixin, View):  # type: ignore[type-arg]
    """The subject (scoped, ``view``) whose case file the page belongs to, with the reason given."""

    subject: Subject
    reason: str
    order_action = "view"

    def open_case_file(self) -> HttpResponse | None:
        """The subject and the reason; a response asking for the reason if none was given yet."""
        self.subject = self.get_object()  # type: ignore[attr-defined]
        reason = self.remembered_reason(self.subject)
        if reason is None:
            return self.ask_reason(self.subject, then=self.request.path)
        self.reason = reason
        return None

    def orders(self, action: str | None = None) -> QuerySet[ProtectiveOrder]:
        return ProtectiveOrder.objects.restrict(
            self.request.user, action or self.order_action, force=host_force(self.request)
        ).filter(subject=self.subject)

    def the_order(self, action: str | None = None) -> ProtectiveOrder:
        try:
            return (
                self.orders(action)
                .select_related("order_type", "subject", "replaces")
                .get(
                    uuid=self.kwargs["order"]  # type: ignore[attr-defined]
                )
            )
        except ProtectiveOrder.DoesNotExist:
            raise Http404("No such order") from None


class OrderFormPage(SubjectOrdersMixin):
    """A form page of the case file: GET shows it, POST calls ``save`` (a service)."""

    permission = Perm.CHANGE_ORDER
    form_class: type[forms.Form]
    heading = ""
    submit_label = "Save"
    order_action = "change"

    def make_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data)

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        raise NotImplementedError

    def back_url(self) -> str:
        return reverse("subjects:subject-detail", kwargs={"uuid": self.subject.uuid})

    def setup_page(self) -> None:
        """Load what the page is about (after the case file was opened)."""

    def show(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "rows": form_rows(form),
            "heading": self.heading,
            "submit_label": self.submit_label,
            "subject": self.subject,
            "back_url": self.back_url(),
            "case_data": True,
            "force": host_force(self.request),
        }
        context.update(self.page_context())
        return render(self.request, "orders/form.html", context, status=status)

    def page_context(self) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        self.setup_page()
        self.record_open(self.subject, self.reason)
        return self.show(self.make_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        self.setup_page()
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                return self.save(form)
            except ValidationError as exc:
                add_service_errors(form, exc, field_for=self.field_for)
        return self.show(form, status=400)

    def field_for(self, name: str) -> str | None:
        return None


class OrderCreateView(OrderFormPage):
    """Record an order against the subject; the service makes its notification requirement."""

    heading = "Record an order"
    submit_label = "Record order"

    def make_form(self, data: Any = None) -> forms.Form:
        return OrderForm(data, subject_orders=self.orders().select_related("order_type"))

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        order = services.create_order(actor=self.request.user, subject=self.subject, **form.cleaned_data)
        messages.success(self.request, f"The {order.order_type.name.lower()} has been recorded.")
        return HttpResponseRedirect(order_url(order))


class OrderChildFormPage(OrderFormPage):
    order: ProtectiveOrder

    def setup_page(self) -> None:
        self.order = self.the_order()

    def back_url(self) -> str:
        return order_url(self.order)

    def page_context(self) -> dict[str, Any]:
        return {"order": self.order}


class TermCreateView(OrderChildFormPage):
    heading = "Add a term"
    submit_label = "Add term"
    form_class = TermForm

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        services.add_term(actor=self.request.user, order=self.order, **form.cleaned_data)
        messages.success(self.request, "The term has been added.")
        return HttpResponseRedirect(order_url(self.order))


class StatusChangeView(OrderChildFormPage):
    heading = "Change the order's status"
    submit_label = "Change status"
    form_class = StatusForm

    def page_context(self) -> dict[str, Any]:
        allowed = [OrderStatus(s).label.lower() for s in allowed_next(self.order.status)]
        return {
            "order": self.order,
            "lead": f"It is now {OrderStatus(self.order.status).label.lower()}. "
            + (f"It can become: {', '.join(allowed)}." if allowed else "Its status is final."),
        }

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        services.change_status(actor=self.request.user, order=self.order, **form.cleaned_data)
        messages.success(self.request, "The status has been changed.")
        return HttpResponseRedirect(order_url(self.order))


class OrderEventCreateView(OrderChildFormPage):
    heading = "Record a variation or renewal"
    submit_label = "Record decision"
    form_class = OrderEventForm

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        services.record_order_event(actor=self.request.user, order=self.order, **form.cleaned_data)
        messages.success(self.request, "The court's decision has been recorded.")
        return HttpResponseRedirect(order_url(self.order))


class TriggerCreateView(OrderChildFormPage):
    heading = "Record a change the subject must notify"
    submit_label = "Record change"
    form_class = TriggerForm

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        services.record_trigger(actor=self.request.user, order=self.order, **form.cleaned_data)
        messages.success(self.request, "A new notification requirement has been recorded.")
        return HttpResponseRedirect(order_url(self.order))


class NotificationRecordView(OrderChildFormPage):
    heading = "Record a notification made"
    submit_label = "Record notification"
    form_class = NotificationForm
    requirement: NotificationRequirement

    def setup_page(self) -> None:
        super().setup_page()
        try:
            self.requirement = self.order.notification_requirements.get(uuid=self.kwargs["requirement"])  # type: ignore[attr-defined]
        except NotificationRequirement.DoesNotExist:
            raise Http404("No such requirement") from None

    def page_context(self) -> dict[str, Any]:
        req = self.requirement
        return {
            "order": self.order,
            "lead": f"{req.get_trigger_display()} on {req.trigger_date:%-d %B %Y}: "
            f"the last day to notify is {req.last_day:%-d %B %Y}.",
        }

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        services.record_notification(
            actor=self.request.user, requirement=self.requirement, **form.cleaned_data
        )
        messages.success(self.request, "The notification has been recorded.")
        return HttpResponseRedirect(order_url(self.order))


class OrderDetailView(SubjectOrdersMixin):
    """One order: its dates, terms, notification requirements and history (each read logged)."""

    permission = Perm.VIEW_ORDER

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        order = self.the_order()
        terms = list(order.terms.all())
        requirements = list(order.notification_requirements.select_related("order__order_type"))
        events = list(order.events.all())
        services.record_consulted(
            actor=request.user, records=[order, *terms, *requirements], reason=self.reason
        )
        held = permissions_in(request.user, host_force(request))
        return render(
            request,
            "orders/order_detail.html",
            {
                "subject": self.subject,
                "order": order,
                "terms": terms,
                "requirements": requirements,
                "events": events,
                "reason": self.reason,
                "replaced_by": list(order.replaced_by.select_related("order_type")),
                "can_change": Perm.CHANGE_ORDER in held,
                "case_data": True,
                "force": host_force(request),
            },
        )
