"""Public-schema models: the regional platform, its forces (tenants), identity and memberships."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from core.roles import ForceRole, Perm, RegionalRoleKind, permissions_for_roles
from core.scoping import ForceScopedQuerySet

# A force's slug becomes a DNS label (<slug>.<SPMP_DOMAIN>) and, with '-' turned to '_', its schema.
SLUG_PATTERN = r"^[a-z](?:[a-z0-9-]{0,40}[a-z0-9])?$"
dns_label_validator = RegexValidator(
    SLUG_PATTERN,
    "Use 1-42 lower-case letters, digits or hyphens, starting with a letter and not ending "
    "with a hyphen (it becomes the force's web address).",
    code="invalid_slug",
)


class Region(models.Model):  # type: ignore[django-manager-missing]
    """A policing region (e.g. East Midlands) whose forces share this platform."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField("slug", max_length=50, unique=True, help_text="e.g. east-midlands")
    name = models.CharField("name", max_length=100, help_text="e.g. East Midlands")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Force(TenantMixin):
    """A police force: one tenant with its own PostgreSQL schema holding its case data.

    The public tenant (schema ``public``) is the regional platform itself; it has no region.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    slug = models.CharField(
        "slug",
        max_length=42,
        unique=True,
        validators=[dns_label_validator],
        help_text="Lower-case DNS label; the force is served at <slug>.<platform domain>.",
    )
    name = models.CharField("name", max_length=100, help_text="e.g. Lincolnshire Police")
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forces",
        help_text="The region whose administrators onboard and manage this force.",
    )
    onboarded_at = models.DateTimeField("onboarded at", default=timezone.now)

    auto_create_schema = True
    auto_drop_schema = False

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool:
        """Clone the template without re-creating the clone function or replaying migrations (cloning.py)."""
        from django_tenants.postgresql_backend.base import _check_schema_name
        from django_tenants.utils import schema_exists

        from .cloning import clone_template

        _check_schema_name(self.schema_name)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema and clone_template(self.schema_name, verbosity=verbosity):
            return True
        return bool(super().create_schema(check_if_exists, sync_schema, verbosity))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        from django_tenants.utils import get_public_schema_name

        return self.schema_name == get_public_schema_name()

    @staticmethod
    def schema_for_slug(slug: str) -> str:
        return "force_" + slug.replace("-", "_")


class Domain(DomainMixin):
    """A host name that routes to a tenant (a force's host, or the regional platform's)."""


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the platform. Identity is global; authorisation is per force."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", unique=True, help_text="Used to sign in.")
    full_name = models.CharField("full name", max_length=150, blank=True)
    is_active = models.BooleanField("active", default=True)
    is_staff = models.BooleanField(
        "staff", default=False, help_text="May use the Django admin on the regional host."
    )
    is_demo = models.BooleanField(
        "demo user", default=False, help_text="Created by the demo seed; refused in production."
    )
    date_joined = models.DateTimeField("joined", default=timezone.now)

    objects = UserManager()  # type: ignore[misc]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.email

    # -- authorisation helpers (per force) ---------------------------------------------------
    def membership_in(self, force: Force) -> Membership | None:
        """The active membership of this user in ``force``, cached on the instance per request."""
        cache: dict[int, Membership | None] = self.__dict__.setdefault("_membership_cache", {})
        if force.pk not in cache:
            cache[force.pk] = (
                Membership.objects.filter(user=self, force=force, status=Membership.Status.ACTIVE)
                .select_related("force")
                .first()
            )
        return cache[force.pk]

    def remember_membership(self, force: Force, membership: Membership | None) -> None:
        """Fill the per-request cache of ``membership_in`` from a query that already read it."""
        self.__dict__.setdefault("_membership_cache", {})[force.pk] = membership

    def force_permissions(self, force: Force) -> frozenset[str]:
        membership = self.membership_in(force)
        return membership.permissions if membership else frozenset()

    def active_forces(self) -> models.QuerySet[Force]:
        return Force.objects.filter(
            memberships__user=self, memberships__status=Membership.Status.ACTIVE
        ).distinct()

    def regional_roles_for(self, region: Region) -> set[str]:
        return set(
            RegionalRole.objects.filter(user=self)
            .filter(models.Q(region=region) | models.Q(role=RegionalRoleKind.PLATFORM_ADMIN))
            .values_list("role", flat=True)
        )

    @property
    def is_platform_admin(self) -> bool:
        return RegionalRole.objects.filter(user=self, role=RegionalRoleKind.PLATFORM_ADMIN).exists()

    def administered_regions(self) -> models.QuerySet[Region]:
        if self.is_platform_admin:
            return Region.objects.all()
        return Region.objects.filter(
            regional_roles__user=self, regional_roles__role=RegionalRoleKind.REGIONAL_ADMIN
        ).distinct()


class MembershipQuerySet(ForceScopedQuerySet["Membership"]):
    """Memberships as a force administrator manages them: only those of the force named."""

    scope_permissions = {
        "view": {Perm.MANAGE_PEOPLE},
        "change": {Perm.MANAGE_PEOPLE},
        "delete": {Perm.MANAGE_PEOPLE},
        # Choosing a person of the force, e.g. for a team: team managers need the names, no more.
        "pick": {Perm.MANAGE_PEOPLE, Perm.MANAGE_TEAMS},
    }

    def narrow(self, user: Any, action: str, *, force: Any) -> MembershipQuerySet:
        return self.filter(force_id=force.pk)


class Membership(models.Model):
    """A person's place in one force: the roles they hold there and whether they may act."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="memberships")
    roles = ArrayField(
        models.CharField(max_length=32, choices=ForceRole.choices),
        verbose_name="roles",
        default=list,
        help_text="The roles this person holds in this force; several are allowed.",
    )
    status = models.CharField("status", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("created", default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "force"], name="one_membership_per_force"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.force}"

    # What a force administrator is shown of the person: until they accept, nothing that comes from
    # the account itself (its name, its sign-ins elsewhere), so an invitation does not reveal whether
    # the address already had an account.
    @property
    def shown_name(self) -> str:
        return self.user.email if self.status == self.Status.INVITED else self.user.get_full_name()

    @property
    def shown_last_login(self) -> Any:
        return None if self.status == self.Status.INVITED else self.user.last_login

    @property
    def permissions(self) -> frozenset[str]:
        if self.status != self.Status.ACTIVE:
            return frozenset()
        return permissions_for_roles(self.roles)


class MembershipInvitation(models.Model):
    """A one-time link by which one person accepts one membership (setting a password if they have none).

    Only a SHA-256 hash of the link's secret is stored. The link is emailed to the invitee and never
    shown to whoever invited them; using it activates this membership only, never the person's
    invitations to other forces (issue 8: an administrator must not be able to take over an account
    invited elsewhere).
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The membership this link activates, and no other.",
    )
    token_hash = models.CharField(
        "token hash", max_length=64, unique=True, help_text="SHA-256 of the link's secret (hex)."
    )
    created_at = models.DateTimeField("created", default=timezone.now)
    expires_at = models.DateTimeField("expires", help_text="The link stops working after this.")
    used_at = models.DateTimeField(
        "used", null=True, blank=True, help_text="When the invitee accepted; a used link never works again."
    )

    def __str__(self) -> str:
        return f"Invitation to {self.membership}"


class RoleGrant(models.Model):
    """A role asked for on a membership that takes effect only once a second administrator approves it.

    Roles in ``core.roles.ROLES_NEEDING_APPROVAL`` (the auditor role) wait here: the approver must
    be neither the person who asked nor the person who would hold the role.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="role_grants", help_text="Who would hold the role."
    )
    role = models.CharField("role", max_length=32, choices=ForceRole.choices)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", help_text="The administrator who asked."
    )
    requested_at = models.DateTimeField("requested", default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The administrator who approved or declined.",
    )
    decided_at = models.DateTimeField("decided", null=True, blank=True)
    outcome = models.CharField("outcome", max_length=16, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "role"],
                condition=models.Q(outcome="pending"),
                name="one_pending_grant_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} for {self.membership} ({self.outcome})"


class RegionalRole(models.Model):
    """A role above single forces: regional administrator or analyst, or platform administrator."""

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="regional_roles")
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="regional_roles",
        help_text="Empty only for platform administrators, who act above every region.",
    )
    role = models.CharField("role", max_length=32, choices=RegionalRoleKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "region", "role"], name="one_regional_role"),
            models.CheckConstraint(
                condition=models.Q(role=RegionalRoleKind.PLATFORM_ADMIN, region__isnull=True)
                | (~models.Q(role=RegionalRoleKind.PLATFORM_ADMIN) & models.Q(region__isnull=False)),
                name="platform_admin_has_no_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} ({self.region or 'all regions'})"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token a person obtained with their email and password for one host.

    Why: scripts and integrations need to call the API without a browser session. Only the SHA-256
    of the secret is kept, so a copy of the database does not hand out working tokens; the secret is
    shown once, when issued. A token works only on the host it was issued on (a force's host or the
    regional platform), so a token leaked from one force's integration cannot read another force.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="user",
        help_text="The person the token acts as.",
    )
    name = models.CharField(
        "name", max_length=100, blank=True, help_text="The owner's label, e.g. 'nightly export script'."
    )
    key_hash = models.CharField(
        "key hash",
        max_length=64,
        unique=True,
        editable=False,
        help_text="Hex SHA-256 of the secret; the secret itself is never stored.",
    )
    prefix = models.CharField(
        "prefix",
        max_length=12,
        editable=False,
        help_text="The first characters of the secret, to recognise a token in a list.",
    )
    host = models.CharField(
        "host",
        max_length=42,
        blank=True,
        db_index=True,
        help_text="Slug of the force whose host issued the token; empty for the regional platform host.",
    )
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("expires", help_text="After this the token no longer authenticates.")
    revoked_at = models.DateTimeField(
        "revoked", null=True, blank=True, help_text="Set when the owner or an administrator ends the token."
    )
    last_used_at = models.DateTimeField("last used", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.host or 'regional'})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


def this_force() -> Force:
    """The force whose schema is active, as the model (``core.tenancy.active_force`` typed for
    this app's services). Force pages and force-bound API views only run on a force host, so this
    raises ``RuntimeError`` only on a programming error (called from the public schema)."""
    from core.tenancy import active_force

    force = active_force()
    assert isinstance(force, Force)
    return force


class UserSession(models.Model):
    """An index of the sessions a person holds (tenants/sessions.py): ending them all, on removal,
    a change of roles or "sign out everywhere", deletes these keys instead of decoding every session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_index")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class ForceIdentityProvider(models.Model):
    """A force's own single sign-on (OpenID Connect, tenants/sso.py): people whose email address is
    in ``email_domains`` sign in there instead of with a password. Public: read before any force."""

    force = models.OneToOneField(Force, on_delete=models.CASCADE, related_name="identity_provider")
    issuer = models.URLField(
        "issuer", max_length=300, help_text="The provider's issuer URL (its discovery document is under it)."
    )
    client_id = models.CharField("client id", max_length=200)
    client_secret_env = models.CharField(
        "client secret variable",
        max_length=100,
        help_text="The name of the environment variable holding the client secret (never the secret).",
    )
    email_domains = ArrayField(
        models.CharField(max_length=253),
        help_text="Email domains (e.g. example.police.uk) whose people sign in through this provider.",
    )
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"identity provider of {self.force_id}"
