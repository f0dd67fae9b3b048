"""``Cache-Control: no-store`` on every response that may carry personal data.

Case files, subject lists, the access log and the API's bodies are OFFICIAL-SENSITIVE: a shared
or kiosk browser (or a proxy) must not keep a copy that outlives the session. Rather than mark
each view (and miss the next one), every response to a signed-in user and every API response
(token users are known only inside DRF, so the rule goes by path there) is marked never to be
stored. Static files are served before this middleware runs and stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            # Also private, max-age=0, no-cache, must-revalidate and an Expires in the past, for
            # old caches that ignore no-store.
            add_never_cache_headers(response)
        return response
