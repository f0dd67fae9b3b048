"""The contract every force-data API endpoint keeps, as a reusable test class.

Use it for each endpoint built on ``api.viewsets.ForceModelViewSet``::

    class TestWidgetEndpoint(ForceEndpointContract):
        endpoint = "/api/v1/widgets/"
        viewset = WidgetViewSet
        create_payload = {...}; put_payload = {...}; patch_payload = {...}

        def make_object(self, force):   # one record in ``force``'s schema, with a uuid
            return make_widget(force)

It checks, for every action the viewset offers: anonymous 401; a member without the action's
permission 403 (and a permission-denied audit event); a member of another force 404 by session and
401 with that force's token (tokens are bound to their host); 404 on the regional host; the allowed
role succeeds and writes exactly the expected audit event, in the right force's log and nowhere else;
and nothing of force A can be seen or touched from force B. Roles are chosen from
``core.roles.ROLE_PERMISSIONS`` and the viewset's ``required_permissions``, so the contract follows
the role table rather than restating it. ``list_query_counts`` checks the list stays flat in queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.roles import ROLE_PERMISSIONS, ForceRole
from tenants import tokens as api_services
from tenants.models import Force, Membership, User
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import make_user

SUCCESS_STATUS = {
    "list": 200,
    "retrieve": 200,
    "create": 201,
    "update": 200,
    "partial_update": 200,
    "destroy": 204,
}
ALL_ACTIONS = tuple(SUCCESS_STATUS)


@dataclass(frozen=True)
class ExtraAction:
    """An ``@action`` of the viewset the contract checks too (401 / 403 logged / 404 / success).

    ``make(contract, force)`` gives the record to act on (in the state the action needs), ``body``
    the JSON to send (POST), ``events`` the audit actions the success writes, in order, each naming
    the record (``object_types`` say of which type when it writes about more than one record).
    """

    name: str
    method: str = "post"
    status: int = 200
    events: tuple[str, ...] = ()
    make: Callable[[Any, Any], Any] | None = None
    body: Callable[[Any], dict[str, Any]] = field(default=lambda obj: {})
    url_name: str = ""
    #: Send ``body`` as multipart/form-data (files as ``SimpleUploadedFile``), not JSON.
    multipart: bool = False

    def path(self, endpoint: str, obj: Any) -> str:
        return f"{endpoint}{obj.uuid}/{self.url_name or self.name.replace('_', '-')}/"


# -- helpers usable by any API test ---------------------------------------------------------------
def token_for(user: User, force: Force | None) -> str:
    """A fresh token secret for ``user`` on ``force``'s host (None: the regional host)."""
    with schema_context(force.schema_name if force is not None else "public"):
        _token, secret = api_services.issue_token(user=user, force=force, name="test")
    connection.set_schema_to_public()
    return secret


def token_client(user: User, force: Force | None) -> HostClient:
    """A client on ``force``'s host sending ``user``'s token for that host."""
    secret = token_for(user, force)
    return HostClient(host_of(force) if force is not None else DOMAIN, HTTP_AUTHORIZATION=f"Bearer {secret}")


def session_client(user: User | None, force: Force | None) -> HostClient:
    client = HostClient(host_of(force) if force is not None else DOMAIN)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def last_event_id(force: Force | None) -> int:
    with schema_context(force.schema_name if force is not None else "public"):
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    connection.set_schema_to_public()
    return last or 0


def events_since(force: Force | None, after_id: int) -> list[AuditEvent]:
    """Audit events written in ``force``'s log (public if None) after ``after_id``, oldest first."""
    with schema_context(force.schema_name if force is not None else "public"):
        rows = list(AuditEvent.objects.filter(id__gt=after_id).order_by("id"))
    connection.set_schema_to_public()
    return rows


def header_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


def role_with(perm: str) -> str:
    for role in ForceRole:
        if perm in ROLE_PERMISSIONS.get(role, frozenset()):
            return role
    raise AssertionError(f"No role holds {perm}")


def role_without(perm: str) -> str:
    for role in ForceRole:
        if perm not in ROLE_PERMISSIONS.get(role, frozenset()):
            return role
    raise AssertionError(f"Every role holds {perm}")


class ForceEndpointContract:
    """Subclass as ``Test<Something>``; fill in the class attributes and ``make_object``."""

    endpoint: ClassVar[str]
    viewset: ClassVar[Any]
    create_payload: ClassVar[dict[str, Any]] = {}
    put_payload: ClassVar[dict[str, Any]] = {}
    patch_payload: ClassVar[dict[str, Any]] = {}
    #: The audit action each successful action writes (exactly one event each), or a tuple when
    #: it also changes another record (the record's own event first).
    expected_events: ClassVar[dict[str, Any]] = {
        "list": AuditAction.CONSULT,
        "retrieve": AuditAction.CONSULT,
        "create": AuditAction.COLLECT,
        "update": AuditAction.ALTER,
        "partial_update": AuditAction.ALTER,
        "destroy": AuditAction.ERASE,
    }
    reason = "Reviewing the case before a planned visit"
    #: The viewset's ``@action``s, each checked like the standard actions (see ``ExtraAction``).
    extra_actions: ClassVar[tuple[ExtraAction, ...]] = ()

    # -- to fill in ------------------------------------------------------------------------
    def make_object(self, force: Force) -> Any:
        raise NotImplementedError

    def exists(self, force: Force, object_uuid: Any) -> bool:
        model = self.viewset.queryset.model
        with schema_context(force.schema_name):
            found = model.objects.filter(uuid=object_uuid).exists()
        connection.set_schema_to_public()
        return found

    # -- machinery -------------------------------------------------------------------------
    @property
    def actions(self) -> list[str]:
        return [a for a in ALL_ACTIONS if a in self.viewset.required_permissions]

    def member(self, force: Force, role: str) -> User:
        return make_user(force=force, roles=[role])

    def allowed_role(self, action: str) -> str:
        return role_with(self.viewset.required_permissions[action])

    def denied_role(self, action: str) -> str:
        return role_without(self.viewset.required_permissions[action])

    def reason_headers(self, action: str) -> dict[str, str]:
        header = self.viewset.reason_headers.get(action)
        return {header_key(header.name): self.reason} if header else {}

    def call(self, client: HostClient, action: str, obj: Any = None) -> Any:
        detail = f"{self.endpoint}{obj.uuid}/" if obj is not None else None
        extra = self.reason_headers(action)
        if action == "list":
            return client.get(self.endpoint, **extra)
        if action == "create":
            return client.post(self.endpoint, self.create_payload, content_type="application/json", **extra)
        assert detail is not None
        if action == "retrieve":
            return client.get(detail, **extra)
        if action == "update":
            return client.put(detail, self.put_payload, content_type="application/json", **extra)
        if action == "partial_update":
            return client.patch(detail, self.patch_payload, content_type="application/json", **extra)
        if action == "destroy":
            return client.delete(detail, **extra)
        raise AssertionError(action)

    def _each_action(self, force_a: Force) -> list[tuple[str, Any]]:
        return [(a, None if a in ("list", "create") else self.make_object(force_a)) for a in self.actions]

    # -- the contract ----------------------------------------------------------------------
    def test_anonymous_gets_401(self, force_a: Force) -> None:
        for action, obj in self._each_action(force_a):
            response = self.call(session_client(None, force_a), action, obj)
            assert response.status_code == 401, (action, response.content)
            assert response.json()["code"] == "not_authenticated"

    def test_member_without_the_permission_gets_403_and_it_is_logged(self, force_a: Force) -> None:
        for action, obj in self._each_action(force_a):
            user = self.member(force_a, self.denied_role(action))
            before = last_event_id(force_a)
            response = self.call(token_client(user, force_a), action, obj)
            assert response.status_code == 403, (action, response.content)
            assert response.json()["code"] == "permission_denied"
            events = [e for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN]
            assert [e.action for e in events] == [AuditAction.PERMISSION_DENIED], action
            assert events[0].actor_id == user.pk
            if obj is not None:
                assert events[0].object_ids == [obj.uuid]
                assert self.exists(force_a, obj.uuid), f"{action} refused but the record changed"

    def test_member_of_another_force_gets_404_by_session(self, force_a: Force, force_b: Force) -> None:
        for action, obj in self._each_action(force_a):
            outsider = self.member(force_b, self.allowed_role(action))
            before = last_event_id(force_a)
            response = self.call(session_client(outsider, force_a), action, obj)
            assert response.status_code == 404, (action, response.content)
            assert response.json()["code"] == "not_found"
            # Nothing read or changed; only the refusal, in the refused force's own log, naming
            # the force and the UUIDs of the route (never its path).
            events = events_since(force_a, before)
            named = [force_a.uuid] if obj is None else [force_a.uuid, obj.uuid]
            assert [(e.action, e.actor_id, e.object_ids) for e in events] == [
                (AuditAction.PERMISSION_DENIED, outsider.pk, named)
            ], action
            assert "/" not in events[0].justification, events[0].justification
            if obj is not None:
                assert self.exists(force_a, obj.uuid)

    def test_token_of_another_force_is_refused_on_this_host(self, force_a: Force, force_b: Force) -> None:
        for action, obj in self._each_action(force_a):
            outsider = self.member(force_b, self.allowed_role(action))
            secret = token_for(outsider, force_b)
            client = HostClient(host_of(force_a), HTTP_AUTHORIZATION=f"Bearer {secret}")
            response = self.call(client, action, obj)
            assert response.status_code == 401, (action, response.content)
            assert response.json()["code"] == "invalid_token"
            assert "another host" in response.json()["detail"]

    def test_even_a_member_of_both_forces_cannot_use_one_forces_token_on_the_other(
        self, force_a: Force, force_b: Force
    ) -> None:
        user = self.member(force_a, self.allowed_role("list"))
        Membership.objects.create(user=user, force=force_b, roles=[self.allowed_role("list")])
        secret = token_for(user, force_b)
        client = HostClient(host_of(force_a), HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert self.call(client, "list").status_code == 401

    def test_force_endpoints_are_404_on_the_regional_host(self, force_a: Force) -> None:
        user = self.member(force_a, self.allowed_role("list"))
        for client in (session_client(user, None), token_client(user, None), session_client(None, None)):
            for action in ("list", "create"):
                if action in self.actions:
                    response = self.call(client, action)
                    assert response.status_code == 404, (action, response.content)

    def test_allowed_role_succeeds_and_writes_exactly_the_expected_audit_event(
        self, force_a: Force, force_b: Force
    ) -> None:
        for action, obj in self._each_action(force_a):
            user = self.member(force_a, self.allowed_role(action))
            client = token_client(user, force_a)
            before_a, before_b = last_event_id(force_a), last_event_id(force_b)
            before_public = last_event_id(None)
            response = self.call(client, action, obj)
            assert response.status_code == SUCCESS_STATUS[action], (action, response.content)
            events = events_since(force_a, before_a)
            expected = self.expected_events[action]
            # One event, or (a tuple) the record's event first and then its effects on others.
            expected_list = list(expected) if isinstance(expected, tuple) else [expected]
            assert [e.action for e in events] == expected_list, (action, events)
            event = events[0]
            assert event.actor_id == user.pk and event.actor_force == force_a.slug
            body = response.json() if response.content else None
            if action == "list":
                shown = {uuid.UUID(r["uuid"]) for r in body["results"]}
                assert shown and set(event.object_ids) == shown
            elif action == "create":
                assert event.object_ids == [uuid.UUID(body["uuid"])]
                assert self.exists(force_a, body["uuid"]) and not self.exists(force_b, body["uuid"])
            else:
                assert event.object_ids == [obj.uuid]
            if action in self.viewset.reason_headers:
                assert event.justification == self.reason
            if action == "destroy":
                assert not self.exists(force_a, obj.uuid)
            # Nothing logged in the other force or on the platform for a force read or write.
            assert events_since(force_b, before_b) == []
            assert events_since(None, before_public) == []

    def test_nothing_of_force_a_is_visible_or_changeable_from_force_b(
        self, force_a: Force, force_b: Force
    ) -> None:
        obj = self.make_object(force_a)
        user = self.member(force_b, ForceRole.COORDINATOR)
        Membership.objects.filter(user=user, force=force_b).update(
            roles=[r for r in ForceRole if r != ForceRole.AUDITOR]
        )
        client = token_client(user, force_b)
        if "list" in self.actions:
            listed = self.call(client, "list").json()["results"]
            assert str(obj.uuid) not in {r["uuid"] for r in listed}
        for action in ("retrieve", "update", "partial_update", "destroy"):
            if action in self.actions:
                response = self.call(client, action, obj)
                assert response.status_code == 404, (action, response.content)
        assert self.exists(force_a, obj.uuid)

    def test_holding_a_sharing_grant_opens_nothing_here_but_the_shared_read(
        self, force_a: Force, force_b: Force
    ) -> None:
        """ "Member of another force", again with force b's readers holding live grants of every scope
        on every subject of force a (made right after the record): still nothing of force a through
        this endpoint. Grants are read only through /api/v1/shared/ (``sharing.services.read_shared``)."""
        from tests.sharing.helpers import grant_everything

        make_object = self.make_object

        def make_and_grant(force: Force) -> Any:
            obj = make_object(force)
            if force.pk == force_a.pk:
                grant_everything(force_a, force_b)
            return obj

        self.make_object = make_and_grant  # type: ignore[method-assign]
        try:
            self.test_nothing_of_force_a_is_visible_or_changeable_from_force_b(force_a, force_b)
        finally:
            del self.make_object

    def test_detail_of_a_non_uuid_is_404(self, force_a: Force) -> None:
        if "retrieve" not in self.actions:
            pytest.skip("no detail")
        client = token_client(self.member(force_a, self.allowed_role("retrieve")), force_a)
        for bad in ("123", "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
            response = client.get(f"{self.endpoint}{bad}/", **self.reason_headers("retrieve"))
            assert response.status_code == 404, bad
            assert response.json()["code"] == "not_found"

    def list_query_counts(self, force: Force, small: int = 5, large: int = 50) -> tuple[int, int]:
        """(queries for a page of ``small``, queries for a page of ``large``) in ``force``."""
        client = token_client(self.member(force, self.allowed_role("list")), force)
        for _ in range(large):
            self.make_object(force)
        client.get(self.endpoint, {"page_size": 1})  # warm up: the token's first use is recorded once
        counts = []
        for size in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(self.endpoint, {"page_size": size}, **self.reason_headers("list"))
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts.append(len(ctx.captured_queries))
        return counts[0], counts[1]

    def test_a_page_of_50_costs_no_more_queries_than_a_page_of_5(self, force_a: Force) -> None:
        from tests.core.test_query_baselines import BASELINES_FILE, baseline_for_endpoint

        small, large = self.list_query_counts(force_a)
        assert large <= small, f"page of 5: {small} queries, page of 50: {large}"
        basename = next(b for _p, v, b in api_router().registry if v is self.viewset)
        baseline = baseline_for_endpoint(basename)
        assert baseline is not None, f"{BASELINES_FILE.name} has no row {basename}-list"
        assert large <= baseline, f"page of 50: {large} queries, baseline {baseline} ({basename}-list)"

    # -- extra actions ---------------------------------------------------------------------------
    def call_extra(self, client: HostClient, extra: ExtraAction, obj: Any) -> Any:
        headers = self.reason_headers(extra.name)
        path = extra.path(self.endpoint, obj)
        if extra.method == "get":
            return client.get(path, **headers)
        if extra.multipart:
            return client.post(path, extra.body(obj), **headers)
        return client.post(path, extra.body(obj), content_type="application/json", **headers)

    def extra_object(self, extra: ExtraAction, force: Force) -> Any:
        return extra.make(self, force) if extra.make is not None else self.make_object(force)

    def test_every_extra_action_is_declared_with_a_permission_and_a_scope(self) -> None:
        if not self.extra_actions:
            # Opt-in: the audit log's CSV export and people's role-grants are not described yet.
            pytest.skip("this endpoint's contract lists no extra actions yet")
        declared = {name for name in dir(self.viewset) if hasattr(getattr(self.viewset, name), "mapping")}
        assert declared == {e.name for e in self.extra_actions}, "list every @action in extra_actions"
        for extra in self.extra_actions:
            assert extra.name in self.viewset.required_permissions, extra.name
            assert extra.name in self.viewset.action_scopes, extra.name

    def test_extra_actions_refuse_the_anonymous_the_unpermitted_and_other_forces(
        self, force_a: Force, force_b: Force
    ) -> None:
        for extra in self.extra_actions:
            obj = self.extra_object(extra, force_a)
            response = self.call_extra(session_client(None, force_a), extra, obj)
            assert response.status_code == 401, (extra.name, response.content)

            user = self.member(force_a, role_without(self.viewset.required_permissions[extra.name]))
            before = last_event_id(force_a)
            response = self.call_extra(token_client(user, force_a), extra, obj)
            assert response.status_code == 403, (extra.name, response.content)
            assert response.json()["code"] == "permission_denied"
            events = [e for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN]
            assert [(e.action, e.object_ids) for e in events] == [(AuditAction.PERMISSION_DENIED, [obj.uuid])]

            outsider = self.member(force_b, role_with(self.viewset.required_permissions[extra.name]))
            before_b = last_event_id(force_b)
            response = self.call_extra(session_client(outsider, force_a), extra, obj)
            assert response.status_code == 404, (extra.name, response.content)
            # Even with the token of their own force on their own host, the record is not there.
            response = self.call_extra(token_client(outsider, force_b), extra, obj)
            assert response.status_code == 404, (extra.name, response.content)
            assert [
                e.action for e in events_since(force_b, before_b) if e.action != AuditAction.SIGN_IN
            ] == []

    def test_extra_actions_succeed_for_the_permitted_writing_exactly_the_expected_events(
        self, force_a: Force, force_b: Force
    ) -> None:
        for extra in self.extra_actions:
            obj = self.extra_object(extra, force_a)
            user = self.member(force_a, role_with(self.viewset.required_permissions[extra.name]))
            client = token_client(user, force_a)
            before_a, before_b = last_event_id(force_a), last_event_id(force_b)
            response = self.call_extra(client, extra, obj)
            assert response.status_code == extra.status, (extra.name, response.content)
            events = events_since(force_a, before_a)
            assert [e.action for e in events] == list(extra.events), (extra.name, events)
            assert all(e.actor_id == user.pk for e in events)
            assert events[0].object_ids == [obj.uuid]
            if extra.name in self.viewset.reason_headers:
                assert events[0].justification.startswith(self.reason)
            assert events_since(force_b, before_b) == []


def api_router() -> Any:
    from api.urls import router

    return router
