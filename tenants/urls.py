from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("", views.home, name="home"),
    path("region/forces/", views.region_forces, name="region-forces"),
    path("region/forces/<slug:slug>/", views.region_force, name="region-force"),
    path("region/role-grants/<uuid:grant_uuid>/", views.region_role_grant, name="region-role-grant"),
]
