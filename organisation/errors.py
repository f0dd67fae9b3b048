"""Stable codes of the organisation services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class OrganisationError(models.TextChoices):
    REQUIRED = "required", "Required"
    TOO_LONG = "max_length", "Too long"
    DUPLICATE_NAME = "duplicate_name", "Another record of this force has this name"
    DUPLICATE_CODE = "duplicate_code", "Another area of this force has this code"
    UNKNOWN_KIND = "unknown_kind", "Not a kind of team"
    UNKNOWN_AREA = "unknown_area", "Not an area of this force"
    NOT_FORCE_MEMBER = "not_force_member", "Not a member of this force"
    LEAD_NOT_MEMBER = "lead_not_member", "The lead is not one of the team's members"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
    HOURS_OUT_OF_RANGE = "hours_out_of_range", "Hours a week must be from 0 to 168"
    SHARE_OUT_OF_RANGE = "share_out_of_range", "A share of visits must be from 0 to 100 per cent"
    SHARE_NOT_VISITING = "share_not_visiting_team", "Only response and neighbourhood teams take visits"
    SHARES_OVER_100 = "shares_over_100", "The teams' shares of visits add up to more than 100 per cent"
    ENDS_BEFORE_START = "ends_before_start", "The absence ends before it starts"
    NOT_TEAM_MEMBER = "not_team_member", "Not a member of this team"
    MINUTES_OUT_OF_RANGE = "minutes_out_of_range", "Minutes must be from 1 to 1440"
