from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("set-password/<uuid:user_uuid>/<str:token>/", views.set_password, name="set-password"),
    path("", views.home, name="home"),
    path("region/forces/", views.region_forces, name="region-forces"),
]
