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
from tenants.models import Membership, User

from . import services
from .forms import (
    ContactForm,
    NotificationForm,
    OrderEventForm,
    OrderForm,
    ProtectedPersonForm,
    RemoveProtectedPersonForm,
    StatusForm,
    TermForm,
    TriggerForm,
)
from .models import (
    NotificationRequirement,
    OrderStatus,
    ProtectedPerson,
    ProtectiveOrder,
    subjects_open_to_protected_persons,
)
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
            else "checkboxes"
            if isinstance(field.widget, forms.CheckboxSelectMultiple)
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


# -- protected persons ---------------------------------------------------------------------------
def person_url(person: ProtectedPerson) -> str:
    return reverse(
        "orders:protected-person-detail", kwargs={"uuid": person.subject.uuid, "person": person.uuid}
    )


class ProtectedPersonMixin(SubjectOrdersMixin):
    """A page about one protected person of the subject: scoped by ``restrict`` (the managing
    team's row rule), so anyone outside the team gets 404, as for a record that does not exist."""

    def the_person(self, action: str) -> ProtectedPerson:
        try:
            return (
                ProtectedPerson.objects.restrict(self.request.user, action, force=host_force(self.request))
                .select_related("subject")
                .get(subject=self.subject, uuid=self.kwargs["person"])  # type: ignore[attr-defined]
            )
        except ProtectedPerson.DoesNotExist:
            raise Http404("No such protected person") from None


class ProtectedPersonFormPage(ProtectedPersonMixin, OrderFormPage):
    permission = Perm.CHANGE_PROTECTED_PERSON
    person: ProtectedPerson | None = None

    def back_url(self) -> str:
        return person_url(self.person) if self.person is not None else super().back_url()


class ProtectedPersonCreateView(ProtectedPersonFormPage):
    """Record a protected person: only for a subject whose managing team holds the officer."""

    heading = "Add a protected person"
    submit_label = "Add protected person"

    def setup_page(self) -> None:
        force = host_force(self.request)
        if (
            not subjects_open_to_protected_persons(self.request.user, force=force)
            .filter(pk=self.subject.pk)
            .exists()
        ):
            raise Http404("Not a subject of your team")

    def page_context(self) -> dict[str, Any]:
        return {"lead": "Only the subject's managing team can see these details. They are stored encrypted."}

    def make_form(self, data: Any = None) -> forms.Form:
        return ProtectedPersonForm(data, subject_orders=self.orders("view").select_related("order_type"))

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        person = services.create_protected_person(
            actor=self.request.user, subject=self.subject, **form.cleaned_data
        )
        messages.success(self.request, "The protected person has been added.")
        return HttpResponseRedirect(person_url(person))


class ProtectedPersonEditView(ProtectedPersonFormPage):
    heading = "Change a protected person's details"
    submit_label = "Save changes"

    def setup_page(self) -> None:
        self.person = self.the_person("change")

    def make_form(self, data: Any = None) -> forms.Form:
        person = self.person
        assert person is not None
        initial = {f: getattr(person, f) for f in services.PROTECTED_PERSON_FIELDS}
        initial["orders"] = [o.uuid for o in person.orders.all()]
        return ProtectedPersonForm(
            data, initial=initial, subject_orders=self.orders("view").select_related("order_type")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if self.person is not None:  # the form shows their details: a consultation
            services.record_consulted(actor=request.user, records=[self.person], reason=self.reason)
        return response

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        assert self.person is not None
        person = services.update_protected_person(
            actor=self.request.user, person=self.person, **form.cleaned_data
        )
        messages.success(self.request, "The protected person's details have been changed.")
        return HttpResponseRedirect(person_url(person))


class ProtectedPersonRemoveView(ProtectedPersonFormPage):
    heading = "Remove this protected person"
    submit_label = "Remove protected person"
    form_class = RemoveProtectedPersonForm

    def setup_page(self) -> None:
        self.person = self.the_person("delete")

    def page_context(self) -> dict[str, Any]:
        return {
            "lead": "Their details and contact log will be erased. Do this only when they were "
            "recorded in error or no order protects them any more."
        }

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        assert self.person is not None
        services.remove_protected_person(
            actor=self.request.user, person=self.person, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, "The protected person has been removed.")
        return HttpResponseRedirect(reverse("subjects:subject-detail", kwargs={"uuid": self.subject.uuid}))


class ContactCreateView(ProtectedPersonFormPage):
    heading = "Log a contact"
    submit_label = "Log contact"

    def setup_page(self) -> None:
        self.person = self.the_person("change")

    def make_form(self, data: Any = None) -> forms.Form:
        force = host_force(self.request)
        assert force is not None  # ForcePageMixin answered 404 on the regional host
        officers = User.objects.filter(
            pk__in=Membership.objects.filter(force_id=force.pk, status=Membership.Status.ACTIVE).values(
                "user_id"
            )
        ).order_by("full_name", "email")
        return ContactForm(data, officers=officers, initial={"officer": self.request.user.uuid})  # type: ignore[union-attr]

    def save(self, form: forms.Form) -> HttpResponseRedirect:
        assert self.person is not None
        services.add_contact(actor=self.request.user, protected_person=self.person, **form.cleaned_data)
        messages.success(self.request, "The contact has been logged.")
        return HttpResponseRedirect(person_url(self.person))


class ProtectedPersonDetailView(ProtectedPersonMixin):
    """One protected person, decrypted, with their contact log (each read logged with the reason)."""

    permission = Perm.VIEW_PROTECTED_PERSON

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self.open_case_file()
        if early is not None:
            return early
        person = self.the_person("view")
        orders = list(person.orders.select_related("order_type"))
        contacts = list(person.contacts.select_related("officer"))
        services.record_consulted(actor=request.user, records=[person, *contacts], reason=self.reason)
        force = host_force(request)
        can_change = (
            ProtectedPerson.objects.restrict(request.user, "change", force=force)
            .filter(pk=person.pk)
            .exists()
        )
        return render(
            request,
            "orders/protected_person_detail.html",
            {
                "subject": self.subject,
                "person": person,
                "orders": orders,
                "contacts": contacts,
                "reason": self.reason,
                "can_change": can_change,
                "case_data": True,
                "force": force,
            },
        )


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
        # The order's protected persons: named to the managing team, counted for anyone else.
        force = host_force(request)
        protected = list(
            ProtectedPerson.objects.restrict(request.user, "view", force=force).filter(orders=order)
        )
        protected_total = (
            ProtectedPerson.objects.restrict(request.user, "know_of", force=force)
            .filter(orders=order)
            .count()
        )
        services.record_consulted(
            actor=request.user, records=[order, *terms, *requirements, *protected], reason=self.reason
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
                "protected": protected,
                "protected_hidden": protected_total - len(protected),
                "can_change": Perm.CHANGE_ORDER in held,
                "case_data": True,
                "force": host_force(request),
            },
        )
