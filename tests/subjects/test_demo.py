"""The subjects demo step: four fictional subjects per force, each with a few profile records that
the services accept (addresses, devices, social media accounts, vehicles) and search finds; safe to
run twice, and it tops up subjects seeded before records existed."""

from __future__ import annotations

from django_tenants.utils import schema_context

from subjects.demo import seed_subjects
from subjects.models import Subject, SubjectAddress, SubjectDevice, SubjectSocialAccount, SubjectVehicle

RECORDS = (SubjectAddress, SubjectDevice, SubjectSocialAccount, SubjectVehicle)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in RECORDS}


def test_every_demo_subject_has_a_few_profile_records_that_search_finds(force_a, force_b):
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            seed_subjects(force)
            subjects = list(Subject.objects.with_profile())
            assert len(subjects) == 4
            for subject in subjects:
                assert subject.addresses.all() and subject.devices.all() and subject.social_accounts.all()
                assert (
                    2
                    <= sum(
                        len(getattr(subject, n).all())
                        for n in ("addresses", "devices", "social_accounts", "vehicles")
                    )
                    <= 12
                )
            assert SubjectVehicle.objects.exists()
            vehicle = SubjectVehicle.objects.select_related("subject").first()
            device = SubjectDevice.objects.exclude(imei="").select_related("subject").first()
            account = SubjectSocialAccount.objects.select_related("subject").first()
            assert vehicle and device and account
            assert vehicle.subject in Subject.objects.search(vehicle.vrm.lower())
            assert device.subject in Subject.objects.search(device.imei)
            assert account.subject in Subject.objects.search(account.handle.upper())
            counts = _counts()
            seed_subjects(force)  # a rerun adds nothing
            assert _counts() == counts


def test_subjects_seeded_before_profile_records_are_topped_up(force_a):
    with schema_context(force_a.schema_name):
        seed_subjects(force_a)
        for model in RECORDS:
            model.objects.all().delete()
        seed_subjects(force_a)
        assert all(n > 0 for n in _counts().values())
        assert Subject.objects.count() == 4
