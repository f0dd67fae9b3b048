"""Stable codes of the resourcing scenario's field errors (the API's ``codes``)."""

from django.db import models


class ResourcingError(models.TextChoices):
    NOT_A_NUMBER = "not_a_number", "Not a number"
    GROWTH_TOO_LOW = "growth_too_low", "Growth of -100% or less"
    GROWTH_TOO_HIGH = "growth_too_high", "Growth over 1000%"
    SHARE_OUT_OF_RANGE = "share_out_of_range", "A share over 100% or below 0"
