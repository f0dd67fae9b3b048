"""Web pages of case work on a force host: the subject list, the case file, create and edit.

Every page is a ``ForcePageMixin`` view (sign-in, one permission, ``restrict`` scoping); state
changes go through ``subjects.services``; every read of personal data is audited there too.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, View
from django.views.generic.detail import SingleObjectMixin

from core.case_file import case_file_sections
from core.caseload import caseload_filterset
from core.forms import add_service_errors
from core.pages import ForcePageMixin
from core.pagination import CountedPaginator
from core.reasons import reason_for, remember_reason
from core.roles import Perm

from . import services
from .filters import ListCounts, SubjectListFilter
from .forms import (
    EndRegistrationForm,
    EraseSubjectForm,
    PhotoForm,
    ReasonForAccessForm,
    RetainSubjectForm,
    SubjectForm,
    SubjectSearchForm,
)
from .models import Subject, SubjectPhoto, SubjectQuerySet

SUBJECTS_PER_PAGE = 25
CASE_FILE = "subject"  # the kind of record in core.reasons keys and audit object types
#: The reason kept for a subject its recorder has just made: the creation is why they open it.
RECORDED_REASON = "Recorded this subject"
#: Search terms live in the session, under an opaque key: never in a URL, so never in the
#: browser's history or a proxy's log. The newest few are kept per session.
SEARCHES_SESSION_KEY = "spmp_subject_searches"
SEARCHES_KEPT = 20


def _detail_url(subject: Subject) -> str:
    return reverse("subjects:subject-detail", kwargs={"uuid": subject.uuid})


class SubjectListView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    """The force's caseload: subjects 25 a page, searchable, filtered, sorted and counted.

    Its filterset comes from ``core.caseload``: the apps above ``subjects`` register theirs (orders
    add orders, statuses, key dates and the need of a plan), else ``filters.SubjectListFilter``.
    Filters and the sort order are in the query string (not personal data); search terms are posted
    and kept in the session, shown by an opaque key. One consult event names the subjects shown.
    """

    model = Subject
    permission = Perm.VIEW_SUBJECT
    case_data = True
    paginate_by = SUBJECTS_PER_PAGE
    template_name = "subjects/subject_list.html"
    context_object_name = "subjects"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A search is shown by its opaque key (``?search=<key>``); the terms stay in the session.
        self.search_key = request.GET.get("search", "")
        query = _saved_search(request, self.search_key)
        if query is None:
            self.search_key = ""
        self.search_form = SubjectSearchForm({"q": query} if query else None)
        response = super().get(request, *args, **kwargs)
        if self.filterset.errors:
            response.status_code = 400
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The search form posts its terms here; they are kept in the session, then shown by key.

        The form's address carries the filters in force, so a search keeps them.
        """
        self.search_key = ""
        self.search_form = SubjectSearchForm(request.POST)
        if not self.search_form.is_valid():
            response = super().get(request, *args, **kwargs)
            response.status_code = 400
            return response
        query = self.search_form.cleaned_data["q"].strip()
        filters = self.list_query(search_key="")
        if not query:
            return HttpResponseRedirect(
                f"{reverse('subjects:subject-list')}{'?' + filters if filters else ''}"
            )
        key = _save_search(request, query)
        return HttpResponseRedirect(
            f"{reverse('subjects:subject-list')}?{urlencode({'search': key})}{'&' + filters if filters else ''}"
        )

    def get_queryset(self) -> QuerySet[Subject]:
        queryset = (
            cast(SubjectQuerySet, super().get_queryset())
            .with_alias_names()
            .select_related("managing_team", "area")
        )
        self.filterset = caseload_filterset(SubjectListFilter)(
            self.request.GET, queryset=queryset, request=self.request
        )
        if self.search_form.is_bound and not self.search_form.is_valid():
            return queryset.none()
        if self.search_form.is_bound and self.search_form.cleaned_data["q"]:
            self.filterset.queryset = queryset.search(self.search_form.cleaned_data["q"])
        if not self.filterset.is_valid():
            return queryset.none()
        return self.filterset.qs

    def list_query(self, *, search_key: str | None = None, drop: tuple[str, str] | None = None) -> str:
        """The list's query string: the search key and every filter in force (``drop`` one value)."""
        key = self.search_key if search_key is None else search_key
        pairs = [("search", key)] if key else []
        filter_names = caseload_filterset(SubjectListFilter).params()
        for name in filter_names:
            for value in self.request.GET.getlist(name):
                if value and (name, value) != drop:
                    pairs.append((name, value))
        return urlencode(pairs)

    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        # An out-of-range or mistyped page number shows the last or first page, never a 404.
        valid = self.filterset.is_valid() and not self.search_form.errors
        self.counts = self.filterset.counts(queryset) if valid else ListCounts(total=0)
        paginator = CountedPaginator(
            queryset, page_size, allow_empty_first_page=True, count=self.counts.total
        )
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page: Page[Subject] = context["page_obj"]
        page.object_list = list(page.object_list)  # evaluate once: the audit and the table share it
        self.filterset.prepare_rows(page.object_list)
        context["subjects"] = page.object_list
        services.record_list_viewed(actor=self.request.user, subjects=page.object_list)
        query = self.search_form.cleaned_data.get("q", "") if self.search_form.is_bound else ""
        list_query = self.list_query()
        selected = [
            (choice, self.list_query(drop=(choice.param, choice.value)))
            for choice in self.filterset.selected()
        ]
        facets = [
            (
                facet,
                "&".join(
                    q for q in (self.list_query(drop=(facet.param, "true")), f"{facet.param}=true") if q
                ),
            )
            for facet in self.counts.facets
        ]
        context.update(
            {
                "search_form": self.search_form,
                "query": query if not self.search_form.errors else "",
                "search_key": self.search_key,
                "filterset": self.filterset,
                "filter_form": self.filterset.form,
                "counts": self.counts,
                "facets": facets,
                "selected_filters": selected,
                "list_query": list_query,
                "filter_query": self.list_query(search_key=""),
                "keep_for_sort": [
                    (name, value) for name, value in parse_qsl(list_query) if name != "ordering"
                ],
                "page_links": page_links(page),
                "can_change": Perm.CHANGE_SUBJECT
                in self.request.user.force_permissions(  # type: ignore[union-attr]
                    self.request.tenant  # type: ignore[attr-defined]
                ),
            }
        )
        return context


def _searches_key(request: HttpRequest) -> str:
    return f"{request.tenant.schema_name}"  # type: ignore[attr-defined]


def _save_search(request: HttpRequest, query: str) -> str:
    searches = dict(request.session.get(SEARCHES_SESSION_KEY) or {})
    mine = dict(searches.get(_searches_key(request)) or {})
    key = secrets.token_urlsafe(9)
    mine[key] = query
    searches[_searches_key(request)] = dict(list(mine.items())[-SEARCHES_KEPT:])
    request.session[SEARCHES_SESSION_KEY] = searches
    return key


def _saved_search(request: HttpRequest, key: str) -> str | None:
    """The terms of this session's search ``key`` on this force, or None (unknown or expired)."""
    if not key:
        return None
    searches = request.session.get(SEARCHES_SESSION_KEY) or {}
    return (searches.get(_searches_key(request)) or {}).get(key)


def page_links(page: Page[Any]) -> list[int | None]:
    """Page numbers to show in the GOV.UK pagination: first, last, and two around the current."""
    total = page.paginator.num_pages
    wanted = sorted({1, total, *range(max(1, page.number - 1), min(total, page.number + 1) + 1)})
    out: list[int | None] = []
    for number in wanted:
        if out and out[-1] is not None and number - out[-1] > 1:  # type: ignore[operator]
            out.append(None)  # an ellipsis
        out.append(number)
    return out


class CaseFileMixin(ForcePageMixin):
    """A page that opens one subject's case file: asks the reason once per session, logs each open."""

    model = Subject
    slug_field = "uuid"
    slug_url_kwarg = "uuid"
    case_data = True

    def remembered_reason(self, subject: Subject) -> str | None:
        return reason_for(self.request, kind=CASE_FILE, record_uuid=subject.uuid)

    def ask_reason(
        self, subject: Subject, form: ReasonForAccessForm | None = None, *, then: str = "", status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            "subjects/reason_for_access.html",
            {
                "form": form or ReasonForAccessForm(),
                "subject_uuid": subject.uuid,
                "then": then,
                "action": _detail_url(subject),
                "case_data": True,  # the page can carry the subject's name (a message, the back link)
            },
            status=status,
        )

    def record_open(self, subject: Subject, reason: str) -> None:
        services.record_case_file_opened(actor=self.request.user, subject=subject, reason=reason)

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        """Every page that shows the case file writes its consult event, whatever its status.

        The audit sits here, where the page is rendered, rather than in ``get``: an invalid POST
        to the edit page (a 400) shows the stored name again, and was read without a trace.
        """
        subject: Subject = self.object  # type: ignore[attr-defined]
        reason = self.remembered_reason(subject)
        if reason is None:  # cannot happen: get and post ask first; never show the file unasked
            return self.ask_reason(subject)
        self.record_open(subject, reason)
        return super().render_to_response(context, **response_kwargs)  # type: ignore[misc]


class SubjectDetailView(CaseFileMixin, DetailView):  # type: ignore[type-arg]
    """The case file. The first open per session asks why; every open writes a consult event."""

    permission = Perm.VIEW_SUBJECT
    template_name = "subjects/subject_detail.html"
    context_object_name = "subject"

    def get_queryset(self) -> QuerySet[Subject]:
        return cast(SubjectQuerySet, super().get_queryset()).with_profile()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        reason = self.remembered_reason(subject)
        if reason is None:
            return self.ask_reason(subject)
        return self.render_to_response(self.get_context_data(object=subject, reason=reason))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The reason form: remember it, then show the page (which logs the open) by a redirect."""
        subject = self.get_object()
        then = request.POST.get("then", "")
        form = ReasonForAccessForm(request.POST)
        if not form.is_valid():
            return self.ask_reason(subject, form, then=then, status=400)
        remember_reason(request, kind=CASE_FILE, record_uuid=subject.uuid, reason=form.cleaned_data["reason"])
        if then in ("edit", "erase"):
            return HttpResponseRedirect(reverse(f"subjects:subject-{then}", kwargs={"uuid": subject.uuid}))
        if then.startswith(_detail_url(subject)) and "//" not in then and "\\" not in then:
            # A page inside this case file (an order, a form) asked for the reason: back to it.
            return HttpResponseRedirect(then)
        if then == "photo":
            return HttpResponseRedirect(reverse("subjects:subject-photo-add", kwargs={"uuid": subject.uuid}))
        return HttpResponseRedirect(_detail_url(subject))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        perms = self.request.user.force_permissions(self.request.tenant)  # type: ignore[union-attr,attr-defined]
        context["can_change"] = Perm.CHANGE_SUBJECT in perms
        context["can_erase"] = Perm.DELETE_SUBJECT in perms
        # Sections of apps above this one (orders, ...), which log their own reads with the reason.
        context["sections"] = case_file_sections(self.request, self.object, kwargs.get("reason", ""))
        return context


class SubjectCreateView(ForcePageMixin, FormView):  # type: ignore[type-arg]
    """Record a new subject (a collection): nothing is saved unless every field is right."""

    model = Subject
    permission = Perm.CHANGE_SUBJECT
    scope_action = "change"
    case_data = True  # what is typed here is OFFICIAL-SENSITIVE as soon as it is typed
    form_class = SubjectForm
    template_name = "subjects/subject_form.html"

    def form_valid(self, form: SubjectForm) -> HttpResponse:
        try:
            subject = services.create_subject(
                actor=self.request.user,
                confirm_new=form.cleaned_data["confirm_new"],
                **form.service_arguments(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except services.PossibleDuplicate as duplicate:
            # Naming the matches is a read of them: logged like any list of subjects.
            services.record_list_viewed(
                actor=self.request.user,
                subjects=duplicate.matches,
                what="possible duplicates of a new subject",
            )
            return self.render_to_response(self.get_context_data(form=form, duplicates=duplicate.matches))
        # The recorder opens what they have just recorded: the creation is the reason for access.
        remember_reason(self.request, kind=CASE_FILE, record_uuid=subject.uuid, reason=RECORDED_REASON)
        messages.success(self.request, f"{subject.display_name} has been recorded.")
        return HttpResponseRedirect(_detail_url(subject))

    def form_invalid(self, form: SubjectForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "heading": "Record a subject",
                "submit_label": "Record subject",
                "back_url": reverse("subjects:subject-list"),
            }
        )
        return context


class SubjectEditView(CaseFileMixin, SingleObjectMixin, FormView):  # type: ignore[type-arg]
    """Change a subject's identity. It shows the case file, so it needs the reason like the detail."""

    permission = Perm.CHANGE_SUBJECT
    scope_action = "change"
    form_class = SubjectForm
    template_name = "subjects/subject_form.html"
    context_object_name = "subject"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        reason = self.remembered_reason(subject)
        if reason is None:
            return self.ask_reason(subject, then="edit")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then="edit")
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return SubjectForm.initial_for(self.object)

    def form_valid(self, form: SubjectForm) -> HttpResponse:
        try:
            subject = services.update_subject(
                actor=self.request.user, subject=self.object, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{subject.display_name}'s details have been updated.")
        return HttpResponseRedirect(_detail_url(subject))

    def form_invalid(self, form: SubjectForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "heading": f"Change {self.object.display_name}'s details",
                "title": "Change a subject's details",  # names stay out of titles (browser history)
                "submit_label": "Save changes",
                "back_url": _detail_url(self.object),
            }
        )
        return context


class SubjectEraseView(CaseFileMixin, SingleObjectMixin, FormView):  # type: ignore[type-arg]
    """Erase a subject's record: a confirmation page naming it, with the reason for the erasure.

    It shows the case file's name, so it needs the reason for access like the edit page; the
    erasure itself goes through ``services.erase_subject``, which logs it with its own reason.
    """

    permission = Perm.DELETE_SUBJECT
    scope_action = "delete"
    form_class = EraseSubjectForm
    template_name = "subjects/subject_erase.html"
    context_object_name = "subject"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        reason = self.remembered_reason(subject)
        if reason is None:
            return self.ask_reason(subject, then="erase")
        self.record_open(subject, reason)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then="erase")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: EraseSubjectForm) -> HttpResponse:
        try:
            services.erase_subject(
                actor=self.request.user, subject=self.object, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, "The subject's record has been erased. The erasure is in the access log."
        )
        return HttpResponseRedirect(reverse("subjects:subject-list"))

    def form_invalid(self, form: EraseSubjectForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RetentionQueueView(ForcePageMixin, ListView):  # type: ignore[type-arg]
    """The MoPI retention queue: records whose next review falls within the force's review
    reminder lead time, or has passed, oldest first; retain (reason, next date) or dispose
    (the erasure page, for those who may erase). One consult event names the records shown."""

    model = Subject
    permission = Perm.REVIEW_RETENTION
    scope_action = "retention"
    case_data = True
    template_name = "subjects/retention_queue.html"
    context_object_name = "subjects"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Subject]:
        from organisation.practice import get_practice_settings

        horizon = timezone.localdate() + dt.timedelta(days=get_practice_settings().review_reminder_days)
        return (
            super()
            .get_queryset()
            .filter(next_review_date__lte=horizon)
            .select_related("managing_team")
            .order_by("next_review_date", "id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["subjects"] = list(context["subjects"])
        services.record_list_viewed(
            actor=self.request.user, subjects=context["subjects"], what="retention review queue"
        )
        context["today"] = timezone.localdate()
        return context


class RetainSubjectView(ForcePageMixin, SingleObjectMixin, FormView):  # type: ignore[type-arg]
    """Retain a record after its retention review: the reason and the next review date."""

    model = Subject
    permission = Perm.REVIEW_RETENTION
    scope_action = "retention"
    case_data = True
    form_class = RetainSubjectForm
    template_name = "subjects/retention_retain.html"
    context_object_name = "subject"
    slug_field = slug_url_kwarg = "uuid"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        services.record_list_viewed(actor=request.user, subjects=[self.object], what="retention review")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: RetainSubjectForm) -> HttpResponse:
        try:
            services.retain_subject(
                actor=self.request.user,
                subject=self.object,
                reason=form.cleaned_data["reason"],
                next_review_date=form.cleaned_data["next_review_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The record is kept; its next retention review is set.")
        return HttpResponseRedirect(reverse("subjects:retention"))

    def form_invalid(self, form: RetainSubjectForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubjectRegistrationEndView(CaseFileMixin, SingleObjectMixin, FormView):  # type: ignore[type-arg]
    """End the subject's sex offender registration: the notification it suspended restarts (audited)."""

    permission = Perm.CHANGE_SUBJECT
    scope_action = "change"
    form_class = EndRegistrationForm
    template_name = "subjects/registration_end.html"
    context_object_name = "subject"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then=request.path)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then=request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: EndRegistrationForm) -> HttpResponse:
        try:
            services.end_registration(
                actor=self.request.user, subject=self.object, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "The registration has ended. Any notification it suspended now runs from that day.",
        )
        return HttpResponseRedirect(_detail_url(self.object))

    def form_invalid(self, form: EndRegistrationForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["back_url"] = _detail_url(self.object)
        return context


# -- photographs: uploaded through the case file, served only by it (each view logged) ----------


class SubjectPhotoView(CaseFileMixin, SingleObjectMixin, View):
    """One photograph, only to someone who gave a reason for opening this case file; logged."""

    permission = Perm.VIEW_SUBJECT

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | FileResponse:
        subject = self.get_object()
        photo = SubjectPhoto.objects.filter(subject=subject, uuid=kwargs["photo_uuid"]).first()
        if photo is None:
            raise Http404
        reason = self.remembered_reason(subject)
        if reason is None:
            return HttpResponseForbidden("Open the case file and give your reason for access first.")
        services.record_photo_viewed(actor=request.user, subject=subject, photo=photo, reason=reason)
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = "inline"
        return response


class SubjectPhotoAddView(CaseFileMixin, SingleObjectMixin, FormView):  # type: ignore[type-arg]
    """Add a photograph: checked and stripped of its metadata by the service; an audited alteration."""

    permission = Perm.CHANGE_SUBJECT
    scope_action = "change"
    form_class = PhotoForm
    template_name = "subjects/photo_form.html"
    context_object_name = "subject"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then="photo")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = subject = self.get_object()
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject, then="photo")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PhotoForm) -> HttpResponse:
        try:
            services.add_subject_photo(
                actor=self.request.user, subject=self.object, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The photograph has been added.")
        return HttpResponseRedirect(_detail_url(self.object))

    def form_invalid(self, form: PhotoForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["back_url"] = _detail_url(self.object)
        return context


class SubjectPhotoRemoveView(CaseFileMixin, SingleObjectMixin, View):
    """Remove a photograph (POST only, from the case file)."""

    permission = Perm.CHANGE_SUBJECT
    scope_action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject = self.get_object()
        photo = SubjectPhoto.objects.filter(subject=subject, uuid=kwargs["photo_uuid"]).first()
        if photo is None:
            raise Http404
        if self.remembered_reason(subject) is None:
            return self.ask_reason(subject)
        services.remove_subject_photo(actor=request.user, subject=subject, photo=photo)
        messages.success(request, "The photograph has been removed.")
        return HttpResponseRedirect(_detail_url(subject))
