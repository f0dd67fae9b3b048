"""Signals other apps plug into without the tenants app importing them."""

from django.dispatch import Signal

# Sent inside the onboarding transaction, with the force's schema active, so that apps can
# create the force's defaults (practice settings, ...). Receivers take ``force``; an exception
# rolls the whole onboarding back.
force_onboarded = Signal()
