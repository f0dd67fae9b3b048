"""The permission matrix (issue 17, item 6): every route, every actor, the status expected.

Routes are enumerated, never listed by hand:

- ``force <namespace:name>`` / ``regional <namespace:name>``: every named URL of the force host's and
  the regional host's URL confs (``spmp_platform.urls_force``, ``urls_public``), requested with GET.
  The API's own URLs are left to its operations, and the Django admin (staff only, Django's own
  permissions) is left out.
- ``api <METHOD> <path>`` / ``regional-api <METHOD> <path>``: every operation of the OpenAPI schema
  of each URL conf, with an empty JSON body for writes.

Path parameters are filled with values that name nothing (a fresh UUID, an unknown slug), so an
actor who may use a route gets its "not found" (404) or "bad input" (400), and one who may not gets
its refusal (302 to sign in or 401 for anonymous, 404 for a non-member, 403 for a member without
the right): the matrix checks every gate, fast, without data. Each actor is asked on force A's host
(force routes) or the regional host.

Actors (columns): ``anonymous``; each ``ForceRole`` of force A; ``other-force`` (a coordinator of
force B: every role's case-data rights, in the wrong force); each regional role (of force A's
region). A partner agency's user is the ``partner-agency`` force role's column.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.roles import ForceRole, RegionalRoleKind

MATRIX_PATH = Path(__file__).with_name("matrix.yaml")
ACTORS: list[str] = [
    "anonymous",
    *[str(role) for role in ForceRole],
    "other-force",
    *[str(role) for role in RegionalRoleKind],
]
FORCE_URLCONF = "spmp_platform.urls_force"
REGIONAL_URLCONF = "spmp_platform.urls_public"
NOTHING = "00000000-0000-4000-8000-000000000000"  # a UUID no record has


@dataclass(frozen=True)
class Route:
    key: str  # the row's name in matrix.yaml
    regional: bool  # asked on the regional host (else force A's)
    method: str
    path: str


def _sample(name: str, pattern: str = "") -> str:
    """A value for a path parameter that names nothing."""
    if "slug" in name and "uuid" not in name:
        return "no-such-thing"
    if name in ("kind",):
        return "pdf"
    if name == "token":
        return "no-such-token"
    if name == "part":
        return "offending"
    return NOTHING


FALLBACKS = (NOTHING, "no-such-thing", "pdf", "json", "csv", "abc", "1")


def _reverse(name: str, urlconf: str, params: list[str]) -> str:
    """The route's path with parameters that name nothing: the name's own sample first, then any
    value the pattern accepts."""
    import itertools

    from django.urls import NoReverseMatch

    choices = [[_sample(p), *[f for f in FALLBACKS if f != _sample(p)]] for p in params]
    for values in itertools.product(*choices):
        try:
            return reverse(name, urlconf=urlconf, kwargs=dict(zip(params, values, strict=True)) or None)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"matrix: no sample value fits the parameters of {name}")


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            full = f"{namespace}:{entry.name}" if namespace else entry.name
            yield full, entry, prefix + str(entry.pattern)


def url_routes(urlconf: str, *, regional: bool) -> list[Route]:
    routes: dict[str, Route] = {}
    for name, _pattern, raw in _walk(get_resolver(urlconf).url_patterns):
        if raw.startswith(("api/", "^api/")) or name.startswith("admin:"):
            continue
        params = [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", raw)]
        path = _reverse(name, urlconf, params)
        key = f"{'regional' if regional else 'force'} {name}"
        routes.setdefault(key, Route(key, regional, "GET", path))
    return list(routes.values())


def api_routes(urlconf: str, *, regional: bool) -> list[Route]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    routes = []
    for template, operations in schema["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: _sample(m.group(1)), template)
        for method in operations:
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            key = f"{'regional-api' if regional else 'api'} {method.upper()} {template}"
            routes.append(Route(key, regional, method.upper(), path))
    return routes


def all_routes() -> list[Route]:
    return [
        *url_routes(FORCE_URLCONF, regional=False),
        *url_routes(REGIONAL_URLCONF, regional=True),
        *api_routes(FORCE_URLCONF, regional=False),
        *api_routes(REGIONAL_URLCONF, regional=True),
    ]


def load_matrix() -> dict[str, dict[str, int]]:
    if not MATRIX_PATH.exists():
        return {}
    data = yaml.safe_load(MATRIX_PATH.read_text()) or {}
    return {str(k): {str(a): int(s) for a, s in v.items()} for k, v in data.items()}


def row_yaml(key: str, statuses: dict[str, int]) -> str:
    cells = ", ".join(f"{actor}: {statuses[actor]}" for actor in ACTORS)
    return f"{yaml.safe_dump(key, default_style=None).splitlines()[0]}: {{{cells}}}\n"


def make_actors(force_a: Any, force_b: Any) -> dict[str, Any]:
    """One person per column (None for anonymous)."""
    from tenants.services import ensure_region
    from tests.factories import make_user

    actors: dict[str, Any] = {"anonymous": None}
    for role in ForceRole:
        actors[str(role)] = make_user(force=force_a, roles=[role])
    actors["other-force"] = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    region = ensure_region(force_a.region.slug)
    for kind in RegionalRoleKind:
        scope = None if kind == RegionalRoleKind.PLATFORM_ADMIN else region
        actors[str(kind)] = make_user(regional=(kind, scope))
    return actors


def probe(route: Route, client: Any) -> int:
    if route.method == "GET":
        return int(client.get(route.path).status_code)
    call = getattr(client, route.method.lower())
    return int(call(route.path, data="{}", content_type="application/json").status_code)


def new_id() -> str:
    return str(uuid.uuid4())
