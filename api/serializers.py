"""Serializer building blocks shared by every endpoint, and the documented error bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty


class StrictFieldsMixin:
    """Refuse unknown and read-only fields in a write with a 400 naming each one.

    DRF silently drops fields it does not know, so a client's typo ("familyname") would be lost
    without a word; a field it may not set (``uuid``) would look accepted. Put this mixin first
    in the serializer's bases.
    """

    initial_data: Any
    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors: dict[str, list[str]] = {}
            for key in data:
                if key in writable:
                    continue
                if key in self.fields:
                    errors[str(key)] = ["This field is read-only and cannot be set."]
                else:
                    errors[str(key)] = ["Unknown field."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class WholeItemSerializer(serializers.Serializer):
    """An item nested in a list or dict field: whole even inside a PATCH.

    DRF hands the root's ``partial`` down to nested serializers, so in a PATCH their required
    fields may be missing and their defaults are not applied; the service then met an item without
    ``user`` (a KeyError, a 500). Here each item is checked as a whole: a missing required field is
    a field error, and defaults are filled in.
    """

    def validate(self, attrs: Any) -> Any:
        attrs = dict(attrs)
        missing: dict[str, list[str]] = {}
        for name, field in self.fields.items():
            if field.read_only or name in attrs:
                continue
            if field.default is not empty:
                attrs[name] = field.default() if callable(field.default) else field.default
            elif field.required:
                missing[name] = [str(field.error_messages["required"])]
        if missing:
            raise serializers.ValidationError(missing, code="required")
        return attrs


class ErrorSerializer(serializers.Serializer):
    """An error: a stable code for programs and a sentence for people."""

    code = serializers.CharField(help_text="Stable error code, e.g. not_found, permission_denied.")
    detail = serializers.CharField(help_text="What went wrong, in words.")


class FieldErrorSerializer(ErrorSerializer):
    """A validation error: ``fields`` maps each field (or header) to what is wrong with it."""

    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        required=False,
        help_text="Field name -> list of messages (nested objects for nested fields).",
    )
    codes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Field name (nested fields joined with dots) -> the stable code of each message: DRF's "
            "(required, invalid, max_length, invalid_choice, ...) or a service's (e.g. last_administrator, "
            "self_grant, duplicate_code). Branch on these, never on the messages."
        ),
    )


class PossibleDuplicateSerializer(ErrorSerializer):
    """409 when a new record may already be held: ``code`` is ``possible_duplicate`` and ``matches``
    names the records it may be (a plain ``conflict`` from a race carries no ``matches``)."""

    matches = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="UUIDs of the records held that the new one may duplicate (possible_duplicate only).",
    )
