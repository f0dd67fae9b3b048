from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/sso/callback/", views.sso_callback, name="sso-callback"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("sign-out/everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("", views.home, name="home"),
    path("region/forces/", views.region_forces, name="region-forces"),
    path("region/forces/<slug:slug>/", views.region_force, name="region-force"),
    path("region/role-grants/<uuid:grant_uuid>/", views.region_role_grant, name="region-role-grant"),
]
