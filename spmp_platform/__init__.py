"""The SPMP platform's Django project package (named so as not to shadow the stdlib ``platform``)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
