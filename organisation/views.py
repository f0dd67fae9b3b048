"""Force administration pages (/force-admin/ on a force host): people, teams, areas, settings, order types.

Views parse input and call the services (tenants.people, organisation.services, organisation.practice); each
page needs one permission, checked by ForcePageMixin before anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.forms import add_service_errors
from core.hosts import regional_url
from core.pages import ForcePageMixin, deny
from core.roles import ForceRole, Perm
from core.tenancy import current_force, has_force_permission, host_force
from statute.models import OrderType
from tenants import people
from tenants.models import Membership, RoleGrant, User, this_force
from tenants.sessions import cycle_session

from . import services as organisation
from .forms import (
    AbsenceForm,
    AreaForm,
    CapacityForm,
    InviteForm,
    PeopleFilterForm,
    ReasonForm,
    RoleGrantForm,
    RolesForm,
    SettingsForm,
    TeamForm,
    TeamMemberForm,
)
from .models import Area, PlannedAbsence, Team, TeamMember
from .practice import get_practice_settings, update_practice_settings

PAGE_SIZE = 50


def _without_page(request: HttpRequest) -> str:
    """The list's query string minus ``page``, for the previous / next links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _role_labels(membership: Membership) -> list[str]:
    return [ForceRole(r).label for r in membership.roles if r in ForceRole.values]


def _status(form: Any) -> int:
    return 400 if form.errors else 200


class AdminPage(ForcePageMixin, View):
    """A force administration page: one permission, no case data."""

    template_name = ""

    def scoped(self, queryset: Any, action: str = "view") -> Any:
        """``queryset`` restricted to what this user may ``action`` in this force (core.scoping)."""
        return queryset.restrict(self.request.user, action, force=host_force(self.request))

    def scoped_people(self, action: str = "view") -> Any:
        """The force's memberships this user may ``action`` (people pages and team member pickers)."""
        return people.people_queryset().restrict(self.request.user, action, force=host_force(self.request))

    def render(self, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context.setdefault("force", current_force())
        context.setdefault("case_data", False)
        context.setdefault("can_manage_people", has_force_permission(self.request.user, Perm.MANAGE_PEOPLE))
        context.setdefault("can_manage_teams", has_force_permission(self.request.user, Perm.MANAGE_TEAMS))
        context.setdefault(
            "can_manage_settings", has_force_permission(self.request.user, Perm.MANAGE_SETTINGS)
        )
        return render(self.request, self.template_name, context, status=status)


class IndexView(AdminPage):
    permission = Perm.VIEW_SETTINGS
    template_name = "force_admin/index.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render({})


# --- People ----------------------------------------------------------------------------------


class PeopleMixin(AdminPage):
    permission = Perm.MANAGE_PEOPLE

    def membership(self, membership_uuid: Any) -> Membership:
        try:
            return people.membership_for(
                force=this_force(), membership_uuid=membership_uuid, actor=self.request.user
            )
        except people.NotThisForce:
            raise Http404("No such person in this force.") from None


class PeopleListView(PeopleMixin):
    template_name = "force_admin/people_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PeopleFilterForm(request.GET or None)
        filters = people.PeopleFilter()
        if form.is_valid():
            data = form.cleaned_data
            team_users = (
                tuple(TeamMember.objects.filter(team__uuid=data["team"]).values_list("user_id", flat=True))
                if data["team"]
                else None
            )
            today = timezone.localdate()
            filters = people.PeopleFilter(
                role=data["role"],
                user_ids=team_users,
                status=data["status"],
                search=data["q"].strip(),
                never_signed_in=data["sign_in"] == "never",
                signed_in_since=today - dt.timedelta(days=30) if data["sign_in"] == "30" else None,
                not_signed_in_since=today - dt.timedelta(days=90) if data["sign_in"] == "stale-90" else None,
            )
        force = this_force()
        page = Paginator(people.people_of(force, filters, queryset=self.scoped_people()), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        teams_by_user: dict[int, list[str]] = {}
        for link in TeamMember.objects.filter(user_id__in=[m.user_id for m in rows]).select_related("team"):
            teams_by_user.setdefault(link.user_id, []).append(link.team.name)
        people.record_people_listed(force=force, actor=request.user, memberships=rows)
        return self.render(
            {
                "form": form,
                "rows": [(m, _role_labels(m), teams_by_user.get(m.user_id, [])) for m in rows],
                "page": page,
                "query": _without_page(request),
            },
            status=_status(form),
        )


class InviteView(PeopleMixin):
    template_name = "force_admin/person_invite.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render({"form": InviteForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = people.invite_member(
                    actor=request.user,
                    force=this_force(),
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    roles=form.cleaned_data["roles"],
                    absolute_url=lambda path: regional_url(request, path),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.template_name = "force_admin/person_invited.html"
                return self.render(
                    {
                        "invitation": invitation,
                        "pending_labels": [ForceRole(r).label for r in invitation.pending_roles],
                        "ttl_hours": settings.INVITATION_TTL_HOURS,
                    },
                    status=201,
                )
        return self.render({"form": form}, status=_status(form))


class PersonView(PeopleMixin):
    template_name = "force_admin/person_detail.html"

    def context(
        self, membership: Membership, roles_form: Any = None, grant_form: Any = None
    ) -> dict[str, Any]:
        teams = Team.objects.filter(team_members__user=membership.user).order_by("name")
        force = this_force()
        grants = RoleGrant.objects.filter(
            membership=membership, outcome=RoleGrant.Outcome.PENDING
        ).select_related("requested_by", "membership__user")
        return {
            "membership": membership,
            "person": membership.user,
            "roles_form": roles_form or RolesForm(initial={"roles": membership.roles}),
            "teams": teams,
            "role_labels": _role_labels(membership),
            "grants": [
                (g, ForceRole(g.role).label, people.may_approve(self.request.user, g, force)) for g in grants
            ],
            "grant_form": grant_form,
        }

    def get(self, request: HttpRequest, membership_uuid: Any) -> HttpResponse:
        membership = self.membership(membership_uuid)
        people.record_people_listed(force=this_force(), actor=request.user, memberships=[membership])
        return self.render(self.context(membership))

    def post(self, request: HttpRequest, membership_uuid: Any) -> HttpResponse:
        """Change the person's roles."""
        membership = self.membership(membership_uuid)
        form = RolesForm(request.POST)
        if form.is_valid():
            try:
                people.change_roles(
                    actor=request.user,
                    force=this_force(),
                    membership=membership,
                    roles=form.cleaned_data["roles"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if membership.user_id == request.user.pk:
                    cycle_session(request)  # one's own roles changed: a new session key
                asked = people.pending_roles(membership)
                messages.success(
                    request,
                    f"Roles of {membership.user.email} updated."
                    + (
                        f" Awaiting a second administrator's approval: "
                        f"{', '.join(ForceRole(r).label for r in asked)}."
                        if asked
                        else ""
                    ),
                )
                if (
                    membership.user_id == request.user.pk
                    and ForceRole.FORCE_ADMIN not in form.cleaned_data["roles"]
                ):
                    return HttpResponseRedirect("/")  # they no longer administer people here
                return HttpResponseRedirect(reverse("force_admin:person", args=[membership.uuid]))
        return self.render(self.context(membership, roles_form=form), status=_status(form))


class RoleGrantView(PeopleMixin):
    """Approve or decline a role awaiting a second administrator (POST only; the person page shows it)."""

    template_name = "force_admin/person_detail.html"

    def post(self, request: HttpRequest, membership_uuid: Any) -> HttpResponse:
        membership = self.membership(membership_uuid)
        form = RoleGrantForm(request.POST)
        if form.is_valid():
            try:
                people.decide_role_grant(
                    actor=request.user,
                    force=this_force(),
                    membership=membership,
                    role=form.cleaned_data["role"],
                    decision=form.cleaned_data["decision"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                label = ForceRole(form.cleaned_data["role"]).label
                done = "approved" if form.cleaned_data["decision"] == people.APPROVE else "declined"
                messages.success(request, f"{label} role for {membership.user.email} {done}.")
                return HttpResponseRedirect(reverse("force_admin:person", args=[membership.uuid]))
        page = PersonView(request=request)
        return page.render(page.context(membership, grant_form=form), status=_status(form))


class PersonActionView(PeopleMixin):
    """Suspend, reinstate or remove: GET asks to confirm, POST acts."""

    template_name = "force_admin/person_confirm.html"
    action = ""
    titles = {
        "suspend": "Suspend this person",
        "reinstate": "Reinstate this person",
        "remove": "Remove this person from the force",
        "revoke-tokens": "Revoke this person's API tokens",
    }

    def get(self, request: HttpRequest, membership_uuid: Any) -> HttpResponse:
        membership = self.membership(membership_uuid)
        return self.render(self._context(membership, ReasonForm()))

    def _context(self, membership: Membership, form: Any) -> dict[str, Any]:
        return {
            "membership": membership,
            "person": membership.user,
            "form": form,
            "action": self.action,
            "title": self.titles[self.action],
        }

    def post(self, request: HttpRequest, membership_uuid: Any) -> HttpResponse:
        membership = self.membership(membership_uuid)
        form = ReasonForm(request.POST)
        if form.is_valid():
            force = this_force()
            reason = form.cleaned_data["reason"].strip()
            try:
                if self.action == "suspend":
                    people.suspend_member(
                        actor=request.user, force=force, membership=membership, reason=reason
                    )
                    messages.success(request, f"{membership.user.email} is suspended.")
                elif self.action == "reinstate":
                    people.reinstate_member(actor=request.user, force=force, membership=membership)
                    messages.success(request, f"{membership.user.email} is reinstated.")
                elif self.action == "revoke-tokens":
                    revoked = people.revoke_member_tokens(
                        actor=request.user, force=force, membership=membership, reason=reason
                    )
                    messages.success(
                        request,
                        f"{revoked} API token(s) of {membership.user.email} for {force.name} revoked.",
                    )
                else:
                    removal = people.remove_member(
                        actor=request.user, force=force, membership=membership, reason=reason
                    )
                    messages.success(
                        request,
                        f"{membership.user.email} is removed from {force.name}: {removal.tokens_revoked} "
                        f"API token(s) revoked, {removal.sessions_ended} session(s) ended.",
                    )
                    if membership.user_id == request.user.pk:
                        return HttpResponseRedirect(regional_url(request, "/"))
                    return HttpResponseRedirect(reverse("force_admin:people"))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("force_admin:person", args=[membership.uuid]))
        return self.render(self._context(membership, form), status=_status(form))


# --- Areas -----------------------------------------------------------------------------------


class AreaListView(AdminPage):
    permission = Perm.MANAGE_TEAMS
    template_name = "force_admin/area_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        areas = self.scoped(Area.objects.all()).prefetch_related("teams")
        return self.render({"areas": areas, "form": AreaForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AreaForm(request.POST)
        if form.is_valid():
            try:
                area = organisation.create_area(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Area {area.name} added.")
                return HttpResponseRedirect(reverse("force_admin:areas"))
        areas = self.scoped(Area.objects.all()).prefetch_related("teams")
        return self.render({"areas": areas, "form": form}, status=_status(form))


class AreaView(AdminPage):
    permission = Perm.MANAGE_TEAMS
    template_name = "force_admin/area_detail.html"

    def area(self, area_uuid: Any) -> Area:
        area = self.scoped(Area.objects.all(), "change").filter(uuid=area_uuid).first()
        if area is None:
            raise Http404("No such area in this force.")
        return area

    def get(self, request: HttpRequest, area_uuid: Any) -> HttpResponse:
        area = self.area(area_uuid)
        return self.render(
            {
                "area": area,
                "form": AreaForm(
                    initial={"name": area.name, "code": area.code, "description": area.description}
                ),
            }
        )

    def post(self, request: HttpRequest, area_uuid: Any) -> HttpResponse:
        area = self.area(area_uuid)
        if "delete" in request.POST:
            organisation.delete_area(actor=request.user, area=area)
            messages.success(request, f"Area {area.name} deleted.")
            return HttpResponseRedirect(reverse("force_admin:areas"))
        form = AreaForm(request.POST)
        if form.is_valid():
            try:
                organisation.update_area(actor=request.user, area=area, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Area updated.")
                return HttpResponseRedirect(reverse("force_admin:areas"))
        return self.render({"area": area, "form": form}, status=_status(form))


# --- Teams -----------------------------------------------------------------------------------


class TeamListView(AdminPage):
    permission = Perm.MANAGE_TEAMS
    template_name = "force_admin/team_list.html"

    def teams(self) -> Any:
        return (
            self.scoped(Team.objects.all())
            .prefetch_related("areas", "team_members__user")
            .order_by("kind", "name")
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render({"teams": self.teams(), "form": TeamForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = organisation.create_team(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    areas=form.cleaned_data["areas"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Team {team.name} created.")
                return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))
        return self.render({"teams": self.teams(), "form": form}, status=_status(form))


class TeamView(AdminPage):
    permission = Perm.MANAGE_TEAMS
    template_name = "force_admin/team_detail.html"

    def team(self, team_uuid: Any) -> Team:
        team = (
            self.scoped(Team.objects.all(), "change")
            .prefetch_related("areas", "team_members__user")
            .filter(uuid=team_uuid)
            .first()
        )
        if team is None:
            raise Http404("No such team in this force.")
        return team

    def context(
        self,
        team: Team,
        form: Any = None,
        member_form: Any = None,
        capacity_form: Any = None,
        absence_form: Any = None,
    ) -> dict[str, Any]:
        candidates = list(people.people_of(this_force(), queryset=self.scoped_people("pick")))
        links = list(team.team_members.all())
        return {
            "capacity_form": capacity_form or CapacityForm(team=team, links=links),
            "absence_form": absence_form or AbsenceForm(links=links),
            "absences": list(
                self.scoped(PlannedAbsence.objects.all())
                .filter(user_id__in=[link.user_id for link in links], ends_on__gte=timezone.localdate())
                .select_related("user")
            ),
            "team": team,
            "form": form
            or TeamForm(
                initial={
                    "name": team.name,
                    "kind": team.kind,
                    "areas": [str(a.uuid) for a in team.areas.all()],
                }
            ),
            "member_form": member_form or TeamMemberForm(people=candidates),
            "links": links,
        }

    def get(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        return self.render(self.context(self.team(team_uuid)))

    def post(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        team = self.team(team_uuid)
        if "delete" in request.POST:
            organisation.delete_team(actor=request.user, team=team)
            messages.success(request, f"Team {team.name} deleted.")
            return HttpResponseRedirect(reverse("force_admin:teams"))
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                organisation.update_team(
                    actor=request.user,
                    team=team,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    areas=form.cleaned_data["areas"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Team updated.")
                return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))
        return self.render(self.context(team, form=form), status=_status(form))


class TeamMembersView(TeamView):
    """POST: add a person of this force to the team (or make them its lead)."""

    def get(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("force_admin:team", args=[team_uuid]))

    def post(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        team = self.team(team_uuid)
        candidates = list(people.people_of(this_force(), queryset=self.scoped_people("pick")))
        form = TeamMemberForm(request.POST, people=candidates)
        if form.is_valid():
            user = User.objects.get(uuid=form.cleaned_data["person"])
            try:
                organisation.add_team_member(
                    actor=request.user, team=team, user=user, is_lead=form.cleaned_data["is_lead"]
                )
            except ValidationError as exc:
                form.add_error("person", " ".join(exc.messages))
            else:
                messages.success(request, f"{user.email} is in {team.name}.")
                return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))
        return self.render(self.context(team, member_form=form), status=_status(form))


class TeamMemberRemoveView(TeamView):
    def get(self, request: HttpRequest, team_uuid: Any, user_uuid: Any = None) -> HttpResponse:  # type: ignore[override]
        return HttpResponseRedirect(reverse("force_admin:team", args=[team_uuid]))

    def post(self, request: HttpRequest, team_uuid: Any, user_uuid: Any = None) -> HttpResponse:  # type: ignore[override]
        team = self.team(team_uuid)
        link = next((x for x in team.team_members.all() if str(x.user.uuid) == str(user_uuid)), None)
        if link is None:
            raise Http404("No such member of this team.")
        organisation.remove_team_member(actor=request.user, team=team, user=link.user)
        messages.success(request, f"{link.user.email} left {team.name}.")
        return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))


class TeamCapacityView(TeamView):
    """POST: members' hours a week and the team's share of visits (issue 15), one audited change."""

    def get(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("force_admin:team", args=[team_uuid]))

    def post(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        team = self.team(team_uuid)
        form = CapacityForm(request.POST, team=team, links=list(team.team_members.all()))
        if form.is_valid():
            try:
                organisation.set_team_capacity(
                    actor=request.user,
                    team=team,
                    hours=form.hours(),
                    visit_share=form.cleaned_data.get("visit_share"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Capacity of {team.name} saved.")
                return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))
        return self.render(self.context(team, capacity_form=form), status=_status(form))


class TeamAbsencesView(TeamView):
    """POST: a planned absence of a member of the team (issue 15)."""

    def get(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("force_admin:team", args=[team_uuid]))

    def post(self, request: HttpRequest, team_uuid: Any) -> HttpResponse:
        team = self.team(team_uuid)
        links = list(team.team_members.all())
        form = AbsenceForm(request.POST, links=links)
        if form.is_valid():
            user = next(link.user for link in links if str(link.user.uuid) == form.cleaned_data["person"])
            try:
                organisation.add_planned_absence(
                    actor=request.user,
                    user=user,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, field_for=lambda key: "person" if key == "user" else None)
            else:
                messages.success(request, "Planned absence recorded.")
                return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))
        return self.render(self.context(team, absence_form=form), status=_status(form))


class TeamAbsenceRemoveView(TeamView):
    def get(self, request: HttpRequest, team_uuid: Any, absence_uuid: Any = None) -> HttpResponse:  # type: ignore[override]
        return HttpResponseRedirect(reverse("force_admin:team", args=[team_uuid]))

    def post(self, request: HttpRequest, team_uuid: Any, absence_uuid: Any = None) -> HttpResponse:  # type: ignore[override]
        team = self.team(team_uuid)
        members = [link.user_id for link in team.team_members.all()]
        absence = (
            self.scoped(PlannedAbsence.objects.all(), "delete")
            .filter(uuid=absence_uuid, user_id__in=members)
            .first()
        )
        if absence is None:
            raise Http404("No such absence of a member of this team.")
        organisation.delete_planned_absence(actor=request.user, absence=absence)
        messages.success(request, "Planned absence removed.")
        return HttpResponseRedirect(reverse("force_admin:team", args=[team.uuid]))


# --- Practice settings and order types --------------------------------------------------------


class SettingsView(AdminPage):
    permission = Perm.VIEW_SETTINGS
    template_name = "force_admin/settings.html"

    def order_types(self) -> list[OrderType]:
        return list(OrderType.objects.filter(is_active=True))

    def get(self, request: HttpRequest) -> HttpResponse:
        settings_row = get_practice_settings()
        form = SettingsForm(settings_row=settings_row, order_types=self.order_types())
        return self.render({"form": form, "settings": settings_row})

    def post(self, request: HttpRequest) -> HttpResponse:
        if not has_force_permission(request.user, Perm.MANAGE_SETTINGS):
            raise deny(request, permission=Perm.MANAGE_SETTINGS, object_type="practicesettings")
        settings_row = get_practice_settings()
        form = SettingsForm(request.POST, settings_row=settings_row, order_types=self.order_types())
        if form.is_valid():
            try:
                update_practice_settings(actor=request.user, **form.service_arguments())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request, "Practice settings saved. They apply to schedules made from now on."
                )
                return HttpResponseRedirect(reverse("force_admin:settings"))
        return self.render({"form": form, "settings": settings_row}, status=_status(form))


class OrderTypeListView(AdminPage):
    permission = Perm.VIEW_SETTINGS
    template_name = "force_admin/order_types.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render({"order_types": OrderType.objects.all()})
