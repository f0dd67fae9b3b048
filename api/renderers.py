"""The API's JSON renderer: never fails on text it is given back.

DRF renders with ``ensure_ascii=False`` and then encodes to UTF-8; a string holding a lone
surrogate (a client's ``"\\ud800"`` echoed in a "not a valid choice" message) cannot be encoded
and the 400 became a 500. Such a body is rendered again with every non-ASCII character escaped
(``\\uXXXX``), which is still valid JSON and loses nothing.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import renderers
from rest_framework.utils import encoders


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return json.dumps(data, cls=encoders.JSONEncoder, ensure_ascii=True, allow_nan=False).encode(
                "ascii"
            )
