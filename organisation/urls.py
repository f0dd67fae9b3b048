"""URLs of force administration, under /force-admin/ on a force host."""

from django.urls import path

from . import views

app_name = "force_admin"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("people/", views.PeopleListView.as_view(), name="people"),
    path("people/invite/", views.InviteView.as_view(), name="invite"),
    path("people/<str:membership_uuid>/", views.PersonView.as_view(), name="person"),
    path("people/<str:membership_uuid>/role-grants/", views.RoleGrantView.as_view(), name="role-grant"),
    path(
        "people/<str:membership_uuid>/suspend/",
        views.PersonActionView.as_view(action="suspend"),
        name="suspend",
    ),
    path(
        "people/<str:membership_uuid>/reinstate/",
        views.PersonActionView.as_view(action="reinstate"),
        name="reinstate",
    ),
    path(
        "people/<str:membership_uuid>/remove/", views.PersonActionView.as_view(action="remove"), name="remove"
    ),
    path(
        "people/<str:membership_uuid>/revoke-tokens/",
        views.PersonActionView.as_view(action="revoke-tokens"),
        name="revoke-tokens",
    ),
    path("areas/", views.AreaListView.as_view(), name="areas"),
    path("areas/<uuid:area_uuid>/", views.AreaView.as_view(), name="area"),
    path("teams/", views.TeamListView.as_view(), name="teams"),
    path("teams/<uuid:team_uuid>/", views.TeamView.as_view(), name="team"),
    path("teams/<uuid:team_uuid>/members/", views.TeamMembersView.as_view(), name="team-members"),
    path(
        "teams/<uuid:team_uuid>/members/<uuid:user_uuid>/remove/",
        views.TeamMemberRemoveView.as_view(),
        name="team-member-remove",
    ),
    path("teams/<uuid:team_uuid>/capacity/", views.TeamCapacityView.as_view(), name="team-capacity"),
    path("teams/<uuid:team_uuid>/absences/", views.TeamAbsencesView.as_view(), name="team-absences"),
    path(
        "teams/<uuid:team_uuid>/absences/<uuid:absence_uuid>/remove/",
        views.TeamAbsenceRemoveView.as_view(),
        name="team-absence-remove",
    ),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("order-types/", views.OrderTypeListView.as_view(), name="order-types"),
]
