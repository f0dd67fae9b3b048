"""Views of identity and the regional host: sign in / out, choosing a force, onboarding."""

from __future__ import annotations

from typing import Any

import requests
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from audit.choices import RecordType
from audit.services import AuditAction, record_event
from core.forms import add_service_errors
from core.hosts import force_url, regional_url
from core.mfa import MFA_REQUIRED, OIDC_MFA_SESSION_KEY, has_device, mfa_missing, mfa_refusal
from core.pages import deny
from core.roles import ForceRole, RegionalRoleKind

from . import sso
from .accounts import set_password
from .forms import OnboardForceForm, SetPasswordWithEmailForm, SignInForm, TwoFactorCodeForm
from .invitations import accept_invitation, find_invitation, reissue_invitation, was_accepted
from .models import Force, ForceIdentityProvider, Membership, RegionalRole, User
from .people import APPROVE, decide_role_grant, pending_grants_for_regions
from .services import onboard_force
from .sessions import end_sessions_of
from .sign_ins import record_failed_sign_in
from .two_factor import confirm_device, pending_device, qr_data_uri, secret_of, verify_code


def _is_regional_host(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is None or tenant.is_platform


def landing_url(request: HttpRequest, user: User) -> str:
    """Where a user goes after signing in: their only force, or a choice of several."""
    forces = list(user.active_forces()[:2])
    if len(forces) == 1 and not user.regional_roles.exists():
        return force_url(request, forces[0])
    return reverse("tenants:home")


def _allowed_hosts(request: HttpRequest) -> set[str]:
    from django.conf import settings

    port = request.get_port()
    suffix = f":{port}" if port not in ("80", "443") else ""
    hosts = {request.get_host()}
    for force in request.user.active_forces() if request.user.is_authenticated else []:  # type: ignore[attr-defined]
        hosts.add(f"{force.slug}.{settings.SPMP_DOMAIN}{suffix}")
    return hosts


def safe_next(request: HttpRequest, nxt: str | None) -> str | None:
    """``nxt`` if it is on this host or one of the signed-in person's forces, else None."""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts=_allowed_hosts(request), require_https=request.is_secure()
    ):
        return nxt
    return None


class SignInView(auth_views.LoginView):
    template_name = "tenants/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _is_regional_host(request):
            # One sign-in page, on the regional host; come back here afterwards.
            target = regional_url(request, reverse("tenants:sign-in"))
            return HttpResponseRedirect(f"{target}?next={request.build_absolute_uri('/')}")
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        nxt = self.request.POST.get("next") or self.request.GET.get("next")
        target = safe_next(self.request, nxt) or landing_url(self.request, self.request.user)  # type: ignore[arg-type]
        if has_device(self.request.user):
            # Enrolled: the second factor before anything else (core/mfa.py).
            return f"{reverse('tenants:two-factor-verify')}?{urlencode({'next': target})}"
        return target

    def get_success_url_allowed_hosts(self) -> set[str]:  # type: ignore[override]
        # Keep a ?next= naming any force host in the form, so a deep link survives signing in;
        # get_success_url accepts it afterwards only if it is one of the user's own forces.
        from .models import Domain

        port = self.request.get_port()
        suffix = f":{port}" if port not in ("80", "443") else ""
        domains = Domain.objects.values_list("domain", flat=True)
        return {*super().get_success_url_allowed_hosts(), *(f"{d}{suffix}" for d in domains)}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """An email whose domain has its force's identity provider signs in there (tenants/sso.py)."""
        email = str(request.POST.get("username", "")).strip()
        provider = sso.provider_for_email(email) if len(email) <= 254 else None
        if provider is not None:
            nxt = safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""
            try:
                return HttpResponseRedirect(sso.authorization_url(request, provider, nxt))
            except requests.RequestException:
                messages.error(request, "Your force's sign-in service cannot be reached. Try again later.")
                return HttpResponseRedirect(reverse("tenants:sign-in"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_event(
            action=AuditAction.SIGN_IN,
            object_type=RecordType.USER,
            object_ids=[form.get_user().uuid],
            actor=form.get_user(),
        )
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        record_failed_sign_in(form.data.get("username"), what="Failed sign-in attempt")
        return super().form_invalid(form)


def sso_callback(request: HttpRequest) -> HttpResponse:
    """The identity provider sends the person back here with a code (or an error)."""
    away = _regional_only(request)
    if away is not None:
        return away
    pending = request.session.pop(sso.PENDING_KEY, None)
    provider = None
    if pending:
        provider = ForceIdentityProvider.objects.filter(pk=pending.get("provider"), enabled=True).first()
    user = None
    why = ""
    if not pending or provider is None:
        why = "no sign-in was started from this browser"
    elif request.GET.get("state") != pending.get("state"):
        why = "the state does not match"
    elif request.GET.get("error"):
        why = f"the provider answered {request.GET['error'][:50]}"
    else:
        backend = sso.ForceOIDCBackend()
        try:
            user = backend.authenticate(request, provider=provider, nonce=pending["nonce"])
        except (SuspiciousOperation, requests.RequestException, ValueError, KeyError) as exc:
            why = str(exc)[:200] or type(exc).__name__
        else:
            why = "" if user is not None else "no active member of the force has that email address"
    if user is None or provider is None:
        record_event(
            action=AuditAction.SIGN_IN_FAILED,
            object_type=RecordType.USER,
            justification=f"Single sign-on refused: {why or 'refused'}",
        )
        messages.error(
            request, "You could not be signed in through your force. Ask your force administrator."
        )
        return HttpResponseRedirect(reverse("tenants:sign-in"))
    login(request, user, backend="tenants.sso.ForceOIDCBackend")
    if sso.asserted_mfa(backend.id_claims):
        request.session[OIDC_MFA_SESSION_KEY] = True
    record_event(
        action=AuditAction.SIGN_IN,
        object_type=RecordType.USER,
        object_ids=[user.uuid],
        actor=user,
        justification=f"Single sign-on through {provider.force.name}'s identity provider",
    )
    return HttpResponseRedirect(safe_next(request, pending.get("next")) or landing_url(request, user))


def _mfa_refused(request: HttpRequest, user: User) -> HttpResponse | None:
    """The regional pages' second-factor check (as ``RegionalPageMixin``'s): logged, then 403."""
    if mfa_missing(request, user, None):
        deny(request, permission=MFA_REQUIRED)
        return mfa_refusal(request, user)
    return None


def _regional_only(request: HttpRequest) -> HttpResponse | None:
    if not _is_regional_host(request):
        target = regional_url(request, request.path)
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.build_absolute_uri('/')})}")
    return None


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up two-factor sign-in: scan the QR code (or type the key), then confirm with a code."""
    away = _regional_only(request)
    if away is not None:
        return away
    user: User = request.user  # type: ignore[assignment]
    target = safe_next(request, request.POST.get("next") or request.GET.get("next")) or reverse(
        "tenants:home"
    )
    enrolled = has_device(user)
    if enrolled and request.GET.get("replace") != "1" and request.method != "POST":
        return render(request, "tenants/two_factor_done.html", {"next": target})
    device = pending_device(user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if confirm_device(user=user, device=device, code=form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(
                request, "Two-factor sign-in is set up. You will be asked for a code when you sign in."
            )
            return HttpResponseRedirect(target)
        form.add_error("code", "The code is not right: enter the 6 digits your app shows now")
    context = {"form": form, "qr": qr_data_uri(device), "secret": secret_of(device), "next": target}
    return render(request, "tenants/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in for someone with an authenticator app."""
    away = _regional_only(request)
    if away is not None:
        return away
    user: User = request.user  # type: ignore[assignment]
    target = safe_next(request, request.POST.get("next") or request.GET.get("next")) or landing_url(
        request, user
    )
    if not has_device(user):
        return HttpResponseRedirect(f"{reverse('tenants:two-factor')}?{urlencode({'next': target})}")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify_code(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            record_event(
                action=AuditAction.SIGN_IN,
                object_type=RecordType.USER,
                object_ids=[user.uuid],
                actor=user,
                justification="Second factor verified (authenticator app)",
            )
            return HttpResponseRedirect(target)
        record_event(
            action=AuditAction.SIGN_IN_FAILED,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            actor=user,
            justification="Wrong two-factor code",
        )
        form.add_error("code", "The code is not right: enter the 6 digits your app shows now")
    return render(
        request,
        "tenants/two_factor_verify.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this person (every browser and device), this one included."""
    user: User = request.user  # type: ignore[assignment]
    ended = end_sessions_of(user, keep=request.session.session_key)
    record_event(
        action=AuditAction.SIGN_OUT,
        object_type=RecordType.USER,
        object_ids=[user.uuid],
        actor=user,
        justification=f"Signed out everywhere: {ended + 1} session(s) ended",
    )
    logout(request)
    return HttpResponseRedirect(regional_url(request, reverse("tenants:sign-in")))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record_event(
            action=AuditAction.SIGN_OUT,
            object_type=RecordType.USER,
            object_ids=[request.user.uuid],
            actor=request.user,
        )
    logout(request)
    return HttpResponseRedirect(regional_url(request, reverse("tenants:sign-in")))


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to an invitee: it activates the one membership it was issued for.

    Someone without a password sets one here; someone who already signs in must be signed in as
    the invitee and accept. Anyone else is refused, and nothing else of the account changes.
    """
    if not _is_regional_host(request):
        raise Http404
    found = find_invitation(token)
    if found is None:
        return render(request, "tenants/set_password_invalid.html", status=400)
    membership = found.membership
    invitee, force = membership.user, membership.force
    signed_in = request.user.is_authenticated
    if signed_in and request.user.pk != invitee.pk:
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.MEMBERSHIP,
            object_ids=[membership.uuid],
            justification="An invitation link used while signed in as someone else",
        )
        return render(request, "tenants/invitation_not_yours.html", status=403)
    context: dict[str, Any] = {
        "force": force,
        "target_user": invitee,
        "role_labels": [ForceRole(r).label for r in membership.roles if r in ForceRole.values],
    }
    if invitee.has_usable_password():
        if not signed_in:
            target = reverse("tenants:sign-in")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.path})}")
        if request.method == "POST":
            if accept_invitation(invitation=found, user=invitee) is None:
                return render(request, "tenants/set_password_invalid.html", status=400)
            messages.success(request, f"You are now a member of {force.name}.")
            return HttpResponseRedirect(force_url(request, force))
        return render(request, "tenants/invitation_accept.html", context)
    form = SetPasswordWithEmailForm(invitee, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if accept_invitation(invitation=found, user=invitee) is None:
                return render(request, "tenants/set_password_invalid.html", status=400)
            set_password(
                user=invitee,
                raw_password=form.cleaned_data["new_password1"],
                actor=invitee,
                justification="Set password by invitation link",
            )
        login(request, invitee, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(force_url(request, force))
    context["form"] = form
    return render(request, "tenants/set_password.html", context, status=400 if form.errors else 200)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Home: on a force host, the force's start page; on the regional host, my forces and regions."""
    user: User = request.user  # type: ignore[assignment]
    if not _is_regional_host(request):
        membership = user.membership_in(request.tenant)  # type: ignore[attr-defined]
        roles = [ForceRole(r).label for r in membership.roles if r in ForceRole.values] if membership else []
        from core.home_panels import home_panels

        panels = home_panels(request)
        # A panel that names subjects (escalations) says so: the page is then marked.
        marked = any(p["context"].get("case_data") for p in panels)
        return render(
            request,
            "tenants/force_home.html",
            {"my_roles": roles, "panels": panels, "case_data": marked},
        )
    forces = [(f, force_url(request, f)) for f in user.active_forces().order_by("name")]
    regions = list(user.administered_regions())
    regional_roles = [
        (RegionalRoleKind(r.role).label, r.region)
        for r in RegionalRole.objects.filter(user=user).select_related("region").order_by("role")
    ]
    analysed = [
        region for label, region in regional_roles if label == RegionalRoleKind.REGIONAL_ANALYST.label
    ]
    return render(
        request,
        "tenants/home.html",
        {
            "forces": forces,
            "regions": regions,
            "regional_roles": regional_roles,
            "analysed_regions": analysed,
            "is_platform_admin": user.is_platform_admin,
        },
    )


@login_required
def region_forces(request: HttpRequest) -> HttpResponse:
    """A regional administrator's forces, and the form to onboard another."""
    if not _is_regional_host(request):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    regions = user.administered_regions()
    if not regions.exists():
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.FORCE,
            justification="Regional forces page without a regional administrator role",
        )
        raise PermissionDenied
    refused = _mfa_refused(request, user)
    if refused is not None:
        return refused
    form = OnboardForceForm(request.POST or None, regions=regions)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = onboard_force(
                region_slug=form.cleaned_data["region"].slug,
                slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"],
                admin_email=form.cleaned_data["admin_email"],
                actor=user,
                absolute_url=lambda path: regional_url(request, path),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The same words whether or not the address had an account; the link goes to them only.
            messages.success(
                request,
                f"{result.force.name} is onboarded. We have emailed an invitation to "
                f"{result.admin_membership.user.email}; they become its administrator when they accept it.",
            )
            return redirect("tenants:region-forces")
    forces = (
        Force.objects.filter(region__in=regions)
        .select_related("region")
        .prefetch_related("domains")
        .order_by("region__name", "name")
    )
    context = {
        "form": form,
        "forces": [(f, force_url(request, f)) for f in forces],
        "regions": regions,
        "grants": [(g, ForceRole(g.role).label) for g in pending_grants_for_regions(regions)],
    }
    return render(request, "tenants/region_forces.html", context, status=400 if form.errors else 200)


@login_required
def region_force(request: HttpRequest, slug: str) -> HttpResponse:
    """One force of the administrator's region, on the regional host: its administrators, whether
    they have signed in, and a way to send an administrator who has not accepted a new invitation.

    A regional administrator holds no membership, so the force's own host answers them 404: this
    page is where they follow up a force they onboarded.
    """
    if not _is_regional_host(request):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    regions = user.administered_regions()
    if not regions.exists():
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.FORCE,
            justification="Regional force page without a regional administrator role",
        )
        raise PermissionDenied
    refused = _mfa_refused(request, user)
    if refused is not None:
        return refused
    force = Force.objects.filter(region__in=regions, slug=slug).select_related("region").first()
    if force is None:
        raise Http404
    admins = list(
        Membership.objects.filter(force=force, roles__contains=[ForceRole.FORCE_ADMIN])
        .select_related("user")
        .order_by("user__email")
    )
    if request.method == "POST":
        wanted = next((m for m in admins if str(m.uuid) == request.POST.get("membership")), None)
        if wanted is None:
            messages.error(request, "Choose an administrator of this force who has not accepted yet.")
        elif reissue_invitation(
            actor=user, membership=wanted, absolute_url=lambda path: regional_url(request, path)
        ):
            messages.success(
                request,
                f"We have emailed a new invitation to {wanted.user.email}. Earlier links no longer work.",
            )
        else:
            messages.error(request, f"{wanted.user.email} is no longer waiting for an invitation.")
        return redirect("tenants:region-force", slug=force.slug)
    rows = [
        {
            "membership": m,
            "email": m.user.email,
            "status": m.get_status_display(),
            "invited": m.status == Membership.Status.INVITED,
            "accepted": m.status != Membership.Status.INVITED and was_accepted(m),
            "last_login": m.shown_last_login,
        }
        for m in admins
    ]
    context = {"force": force, "address": force_url(request, force), "admins": rows}
    return render(request, "tenants/region_force.html", context)


@login_required
@require_POST
def region_role_grant(request: HttpRequest, grant_uuid: str) -> HttpResponse:
    """A regional administrator approves or declines a role awaiting approval in one of their forces."""
    if not _is_regional_host(request):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    refused = _mfa_refused(request, user)
    if refused is not None:
        return refused
    grant = pending_grants_for_regions(user.administered_regions()).filter(uuid=grant_uuid).first()
    if grant is None:
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.ROLE_GRANT,
            object_ids=[grant_uuid],
            justification="A role request outside the regions this person administers",
        )
        raise Http404
    decision = request.POST.get("decision", "")
    membership = grant.membership
    try:
        decide_role_grant(
            actor=user, force=membership.force, membership=membership, role=grant.role, decision=decision
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = "approved" if decision == APPROVE else "declined"
        messages.success(
            request,
            f"{ForceRole(grant.role).label} role for {membership.user.email} in {membership.force.name} {done}.",
        )
    return redirect("tenants:region-forces")
