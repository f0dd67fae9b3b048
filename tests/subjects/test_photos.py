"""Photographs of a subject (issue 11, item 1): checked and stripped of EXIF with Pillow, kept in
STORAGES["default"], served only by the case-file view (reason asked, every view logged)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image

from audit.choices import AuditAction
from core.roles import ForceRole
from subjects import services
from subjects.models import SubjectPhoto
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture
def coordinator_a(force_a):  # type: ignore[no-untyped-def]
    return make_user(force=force_a, roles=[ForceRole.COORDINATOR])


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to be upright
    exif.get_ifd(GPS_IFD)[2] = (53.0, 14.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    assert b"SecretCam" in out.getvalue()
    return out.getvalue()


def png(size: tuple[int, int] = (20, 20), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (5, 5)).save(out, "GIF")
    return out.getvalue()


def upload(client: Any, subject: Any, data: bytes, name: str = "me.jpg", **extra: str) -> Any:
    return client.post(
        f"/subjects/{subject.uuid}/photos/new/",
        {"photo": SimpleUploadedFile(name, data), "caption": "Custody", **extra},
    )


def give_reason(client: Any, subject: Any) -> None:
    assert client.post(f"/subjects/{subject.uuid}/", {"reason": "Briefing the shift"}).status_code == 302


def stored_photos(force: Any) -> list[SubjectPhoto]:
    with schema_context(force.schema_name):
        photos = list(SubjectPhoto.objects.all())
    connection.set_schema_to_public()
    return photos


def test_upload_strips_exif_turns_upright_and_logs_an_alteration_without_values(
    force_a, coordinator_a, client_for, media_in_tmp
):
    subject = make_subject(force_a, family_name="Pictured")
    client = client_for(coordinator_a, force_a)
    first = client.get(f"/subjects/{subject.uuid}/photos/new/")
    assert b'data-testid="reason-form"' in first.content  # the case file's reason first
    give_reason(client, subject)
    assert client.get(f"/subjects/{subject.uuid}/photos/new/").status_code == 200
    before = last_event_id(force_a)
    response = upload(client, subject, jpeg_with_exif())
    assert response.status_code == 302, response.content.decode()[:2000]
    [photo] = stored_photos(force_a)
    assert "pictured" not in photo.image.name.lower() and photo.image.name.startswith("subject-photos/")
    with default_storage.open(photo.image.name) as stored:
        raw = stored.read()
    assert b"SecretCam" not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert (
            image.format == "JPEG"
            and not image.getexif()
            and image.size == (30, 40) == (photo.width, photo.height)
        )
    [event] = events_since(force_a, before)
    assert event.action == AuditAction.ALTER and event.changed_fields == ["photos"]
    assert "Custody" not in json.dumps(event.changes)


def test_photo_is_served_only_after_the_reason_and_each_view_is_logged(
    force_a, force_b, coordinator_a, client_for
):
    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        photo = services.add_subject_photo(actor=coordinator_a, subject=subject, data=png())
    connection.set_schema_to_public()
    url = f"/subjects/{subject.uuid}/photos/{photo.uuid}/"
    client = client_for(coordinator_a, force_a)
    before = last_event_id(force_a)
    assert client.get(url).status_code == 403
    assert events_since(force_a, before) == []
    give_reason(client, subject)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    [consult] = [e for e in events_since(force_a, before) if photo.uuid in e.object_ids]
    assert consult.action == AuditAction.CONSULT and consult.justification == "Briefing the shift"
    # The case file shows it; another force cannot reach it; a viewer without the permission neither.
    assert url in client.get(f"/subjects/{subject.uuid}/").content.decode()
    outsider = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    assert client_for(outsider, force_b).get(url).status_code == 404
    assert client_for(outsider, force_a).get(url).status_code in (403, 404)
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    assert client_for(viewer, force_a).get(url).status_code == 403
    other = make_subject(force_a)
    assert client.get(f"/subjects/{other.uuid}/photos/{photo.uuid}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a picture at all", "x.jpg", "not a photograph that can be read"),
        (gif(), "x.gif", "must be a JPEG or PNG"),
        (png((8000, 6000), "1"), "big.png", "too many pixels"),
        (jpeg_with_exif()[:200], "cut.jpg", "not a photograph that can be read"),
    ],
    ids=["text", "gif", "bomb", "truncated"],
)
def test_bad_upload_is_a_field_error_and_saves_nothing(
    force_a, coordinator_a, client_for, media_in_tmp, data, name, message
):
    subject = make_subject(force_a)
    client = client_for(coordinator_a, force_a)
    give_reason(client, subject)
    before = last_event_id(force_a)
    response = upload(client, subject, data, name)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "govuk-error-summary" in body and 'id="id_photo-error"' in body
    assert stored_photos(force_a) == [] and not any(media_in_tmp.rglob("*.*"))
    # The form shown again names the subject: a consultation, but no alteration.
    assert [e.action for e in events_since(force_a, before)] == [AuditAction.CONSULT]


def test_service_codes_for_bad_images(force_a, coordinator_a):
    from django.core.exceptions import ValidationError

    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        for data, code in ((b"junk", "invalid_image"), (b"x" * (10 * 1024 * 1024 + 1), "image_too_large")):
            with pytest.raises(ValidationError) as caught:
                services.add_subject_photo(actor=coordinator_a, subject=subject, data=data)
            assert caught.value.error_dict["photo"][0].code == code


def test_remove_and_erase_delete_the_files(
    force_a, coordinator_a, client_for, media_in_tmp, django_capture_on_commit_callbacks
):
    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        kept = services.add_subject_photo(actor=coordinator_a, subject=subject, data=png())
        gone = services.add_subject_photo(actor=coordinator_a, subject=subject, data=png())
    connection.set_schema_to_public()
    client = client_for(coordinator_a, force_a)
    give_reason(client, subject)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/subjects/{subject.uuid}/photos/{gone.uuid}/remove/")
    assert response.status_code == 302
    assert [p.uuid for p in stored_photos(force_a)] == [kept.uuid]
    assert not default_storage.exists(gone.image.name) and default_storage.exists(kept.image.name)
    with schema_context(force_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        services.erase_subject(actor=coordinator_a, subject=subject, reason="Duplicate record")
    assert not default_storage.exists(kept.image.name)


def test_api_lists_photo_details_but_not_the_picture(force_a, coordinator_a):
    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        photo = services.add_subject_photo(actor=coordinator_a, subject=subject, data=png(), caption="Side")
    connection.set_schema_to_public()
    client = token_client(coordinator_a, force_a)
    data = client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="Checking").json()
    assert data["photos"] == [
        {
            "uuid": str(photo.uuid),
            "caption": "Side",
            "taken_on": None,
            "width": 20,
            "height": 20,
            "content_type": "image/png",
            "added_at": data["photos"][0]["added_at"],
        }
    ]
    refused = client.patch(
        f"/api/v1/subjects/{subject.uuid}/", {"photos": []}, content_type="application/json"
    )
    assert refused.status_code == 400 and "photos" in refused.json()["fields"]


# -- the API: POST /api/v1/subjects/<uuid>/photos/ (multipart) ----------------------------------
def api_upload(client: Any, subject: Any, data: bytes, name: str = "me.jpg", **extra: Any) -> Any:
    return client.post(
        f"/api/v1/subjects/{subject.uuid}/photos/",
        {"photo": SimpleUploadedFile(name, data), **extra},
    )


def test_api_upload_strips_exif_and_the_picture_is_served_only_by_the_case_file(
    force_a, force_b, coordinator_a, client_for
):
    subject = make_subject(force_a)
    client = token_client(coordinator_a, force_a)
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    response = api_upload(client, subject, jpeg_with_exif(), caption="Custody", taken_on="2026-01-02")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"uuid", "caption", "taken_on", "width", "height", "content_type", "added_at"}
    assert (body["width"], body["height"], body["content_type"]) == (30, 40, "image/jpeg")
    [photo] = stored_photos(force_a)
    assert str(photo.uuid) == body["uuid"] and photo.caption == "Custody"
    with default_storage.open(photo.image.name) as stored:
        raw = stored.read()
    assert b"SecretCam" not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert not image.getexif()
    [event] = events_since(force_a, before_a)
    assert event.action == AuditAction.ALTER and event.changed_fields == ["photos"]
    assert "Custody" not in json.dumps(event.changes)
    assert events_since(force_b, before_b) == []
    # No route of the API gives the picture back; the case-file page does, after a reason, logged.
    assert client.get(f"/api/v1/subjects/{subject.uuid}/photos/").status_code == 405
    page = client_for(coordinator_a, force_a)
    url = f"/subjects/{subject.uuid}/photos/{photo.uuid}/"
    assert page.get(url).status_code == 403
    give_reason(page, subject)
    assert page.get(url).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (b"not a picture at all", "photo", "invalid_image"),
        (gif(), "photo", "invalid_image"),
        (png((8000, 6000), "1"), "photo", "image_too_large"),
        (b"", "photo", "empty"),
    ],
    ids=["text", "gif", "bomb", "empty"],
)
def test_api_bad_upload_is_a_coded_400_and_saves_nothing(
    force_a, coordinator_a, media_in_tmp, data, field, code
):
    subject = make_subject(force_a)
    client = token_client(coordinator_a, force_a)
    before = last_event_id(force_a)
    response = api_upload(client, subject, data)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and response.json()["codes"][field] == [code]
    assert stored_photos(force_a) == [] and not any(media_in_tmp.rglob("*.*"))
    assert events_since(force_a, before) == []


def test_api_upload_refuses_other_fields_json_and_a_future_date(force_a, coordinator_a):
    subject = make_subject(force_a)
    client = token_client(coordinator_a, force_a)
    unknown = api_upload(client, subject, png(), family_name="x")
    assert unknown.status_code == 400 and "family_name" in unknown.json()["fields"]
    future = api_upload(client, subject, png(), taken_on="2999-01-01")
    assert future.status_code == 400 and future.json()["codes"]["taken_on"] == ["future_date"]
    as_json = client.post(
        f"/api/v1/subjects/{subject.uuid}/photos/", {"caption": "x"}, content_type="application/json"
    )
    assert as_json.status_code == 415 and as_json.json()["code"] == "unsupported_media_type"
    assert stored_photos(force_a) == []


def test_api_upload_over_the_size_limit_is_refused_before_it_is_read(force_a, coordinator_a, media_in_tmp):
    subject = make_subject(force_a)
    client = token_client(coordinator_a, force_a)
    response = api_upload(client, subject, b"\xff\xd8" + b"x" * (services.MAX_PHOTO_BYTES + 100_000))
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert stored_photos(force_a) == [] and not any(media_in_tmp.rglob("*.*"))
