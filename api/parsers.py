"""The API's body parsers: JSON (everywhere), bounded in depth, and only text PostgreSQL can hold;
multipart, bounded in size, only where a route takes a file (a subject's photograph).

DRF's ``JSONParser`` hands ``json.loads`` whatever arrives. A body nested a few thousand levels
deep makes the decoder raise ``RecursionError``, which is not a ``ValueError``, so it escaped as a
500 (anonymously, on the token endpoint); a body nested a few hundred levels deep parses, then
walks every serializer and renderer down to the same error. A ``"\\ud800"`` escape decodes to a
lone surrogate, which is not a Unicode character: echoed in an error body it broke the renderer's
UTF-8 encoding, and stored it would break the database driver's. All are refused here, with a
400 ``parse_error``, before any view sees the data.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import exceptions, parsers

from .errors import RequestTooLarge

#: No body the API documents is nested deeper than a few levels (a team's members: 3).
MAX_DEPTH = 20


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError:
            raise
        except (RecursionError, MemoryError) as exc:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {MAX_DEPTH} levels deep."
            ) from exc
        except Exception as exc:  # any other failure of decoding is the body's fault, never a 500
            raise exceptions.ParseError("JSON parse error - the body is not valid JSON.") from exc
        if depth_exceeds(data, MAX_DEPTH):
            raise exceptions.ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep.")
        if has_lone_surrogate(data):
            raise exceptions.ParseError(
                "JSON parse error - a string holds an unpaired surrogate (\\ud800-\\udfff), "
                "which is not a character."
            )
        return data


def depth_exceeds(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def has_lone_surrogate(data: Any) -> bool:
    """Whether any key or string holds a code point that UTF-8 cannot encode."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class BoundedMultiPartParser(parsers.MultiPartParser):
    """``multipart/form-data`` refused (413) from its declared length, before a byte is read.

    Django keeps file uploads out of ``DATA_UPLOAD_MAX_MEMORY_SIZE``: without this, a body of any
    size would be spooled to disk before the service found the file too large. A route sets
    ``max_bytes`` (its largest file plus room for the other fields).
    """

    max_bytes = 1024 * 1024

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {}) if request is not None else {}
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("The Content-Length header is not a number.") from None
        if length > self.max_bytes:
            raise RequestTooLarge(f"The request body must be at most {self.max_bytes} bytes.")
        return super().parse(stream, media_type, parser_context)
