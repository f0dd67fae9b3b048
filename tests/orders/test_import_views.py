"""The caseload import pages: upload -> check (dry run) -> import; who may; what the session keeps."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.roles import ForceRole
from orders.import_views import SESSION_KEY
from orders.models import ProtectiveOrder
from subjects.models import Subject
from tests.factories import make_subject, make_user
from tests.orders.imports import csv_bytes, row, today, uk

UPLOAD = "/subjects/import/"
CHECK = "/subjects/import/check/"


def _coordinator(client_for, force):  # type: ignore[no-untyped-def]
    return client_for(make_user(force=force, roles=[ForceRole.COORDINATOR]), force)


def _upload(client, data: bytes, name: str = "caseload.csv"):  # type: ignore[no-untyped-def]
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def _subjects(force) -> int:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return Subject.objects.count()


def test_only_those_with_the_import_permission(client_for, force_a):
    for role in (ForceRole.OFFICER, ForceRole.FORCE_ADMIN, ForceRole.SUPERVISOR):
        user = make_user(force=force_a, roles=[role])
        client = client_for(user, force_a)
        for path in (UPLOAD, CHECK, "/subjects/import/template.csv"):
            assert client.get(path).status_code == 403, (role, path)
        with schema_context(force_a.schema_name):
            refused = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_uuid=user.uuid)
            assert refused.count() == 3
            assert "import_caseload" in refused.first().justification  # type: ignore[union-attr]
    assert client_for(None, force_a).get(UPLOAD).status_code == 302  # to sign in


def test_the_upload_page_documents_the_columns_and_offers_the_template(client_for, force_a):
    client = _coordinator(client_for, force_a)
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert b'data-testid="import-columns"' in page.content and b"<code>case_number</code>" in page.content
    template = client.get("/subjects/import/template.csv")
    assert template["Content-Type"].startswith("text/csv")
    assert "attachment" in template["Content-Disposition"]
    assert template.content.decode().startswith("pnc_id,niche_nominal_ref,family_name,given_names")
    assert b"import-caseload" in client.get("/subjects/").content


def test_a_file_that_cannot_be_read_is_refused_on_the_upload_page(client_for, force_a):
    client = _coordinator(client_for, force_a)
    for data, words in (
        (b"", b"The selected file is empty"),
        ("family_name,given_names,pnc_id\nSm\u00edth,Jo,20/1A\n".encode("cp1252"), b"not saved as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", b"not a CSV file"),
        (b"Smith,John\n", b"must name the columns"),
    ):
        response = _upload(client, data)
        assert response.status_code == 400 and words in response.content, data
        assert b"govuk-error-summary" in response.content
        assert SESSION_KEY not in client.session
    assert _subjects(force_a) == 0


def test_upload_check_then_import(client_for, force_a, force_b):
    client = _coordinator(client_for, force_a)
    response = _upload(client, csv_bytes([row(1), row(2)]))
    assert response.status_code == 302 and response["Location"] == CHECK
    assert client.session[SESSION_KEY][force_a.schema_name]["text"].startswith("pnc_id,")
    check = client.get(CHECK)
    assert check.status_code == 200
    assert b'data-testid="subjects-new">2<' in check.content and b"Import 2 rows" in check.content
    assert _subjects(force_a) == 0  # the check is a dry run
    done = client.post(CHECK, {"import": "1"})
    assert done.status_code == 302 and done["Location"] == "/subjects/"
    assert _subjects(force_a) == 2 and _subjects(force_b) == 0
    assert SESSION_KEY not in client.session or force_a.schema_name not in client.session[SESSION_KEY]
    assert b"Caseload imported: 2 subjects recorded" in client.get("/subjects/").content
    # Nothing is waiting any more: the check page sends back to the upload.
    assert client.get(CHECK)["Location"] == UPLOAD


def test_the_check_page_lists_every_problem_and_import_saves_nothing(client_for, force_a):
    client = _coordinator(client_for, force_a)
    bad = [row(1), row(2, date_of_birth=uk(today() + dt.timedelta(days=2))), row(3, order_type="NOPE")]
    assert _upload(client, csv_bytes(bad)).status_code == 302
    check = client.get(CHECK)
    assert check.status_code == 200
    text = check.content.decode()
    assert 'data-testid="import-problems"' in text and "There is a problem" in text
    assert "Row 3, date_of_birth: The date of birth must be in the past." in text
    assert "Row 4, order_type:" in text
    assert "import-now" not in text
    response = client.post(CHECK, {"import": "1"})
    assert response.status_code == 400
    assert _subjects(force_a) == 0


def test_possible_duplicates_are_confirmed_on_the_check_page(client_for, force_a):
    held = make_subject(
        force_a, family_name="Imported2", given_names="Alex", date_of_birth=dt.date(1980, 2, 14)
    )
    client = _coordinator(client_for, force_a)
    _upload(client, csv_bytes([row(1), row(2)]))
    check = client.get(CHECK)
    assert b'data-testid="duplicates"' in check.content
    assert f"/subjects/{held.uuid}/".encode() in check.content
    refused = client.post(CHECK, {"import": "1"})
    assert refused.status_code == 400
    assert b"Row 3: check the possible duplicate" in refused.content
    assert _subjects(force_a) == 1
    done = client.post(CHECK, {"import": "1", "confirm_rows": ["3"]})
    assert done.status_code == 302
    assert _subjects(force_a) == 3
    with schema_context(force_a.schema_name):
        assert ProtectiveOrder.objects.count() == 2


def test_cancel_forgets_the_file(client_for, force_a):
    client = _coordinator(client_for, force_a)
    _upload(client, csv_bytes([row(1)]))
    response = client.post(CHECK, {"cancel": "1"})
    assert response.status_code == 302
    assert force_a.schema_name not in client.session.get(SESSION_KEY, {})
    assert _subjects(force_a) == 0


def test_a_file_kept_for_one_force_is_not_seen_in_another(client_for, force_a, force_b):
    user = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    from tenants.models import Membership

    Membership.objects.create(user=user, force=force_b, roles=[ForceRole.COORDINATOR])
    in_a = client_for(user, force_a)
    _upload(in_a, csv_bytes([row(1)]))
    in_b = client_for(user, force_b)
    in_b.cookies = in_a.cookies
    in_b.defaults["HTTP_HOST"] = f"{force_b.slug}.spmp.localhost"
    assert in_b.get(CHECK)["Location"] == UPLOAD
    assert in_b.post(CHECK, {"import": "1"})["Location"] == UPLOAD
    assert _subjects(force_a) == 0 and _subjects(force_b) == 0
