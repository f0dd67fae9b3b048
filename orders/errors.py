"""Stable codes of the order services' errors (returned per field in the API's ``codes``)."""

from django.db import models


class OrderError(models.TextChoices):
    BELOW_STATUTORY_MINIMUM = "below_statutory_minimum", "Shorter than the minimum set by law"
    BELOW_DEFAULT_MINIMUM = "below_default_minimum", "Shorter than the usual minimum (confirm to go on)"
    ABOVE_MAXIMUM = "above_maximum_duration", "Longer than the order type allows"
    EXPIRY_BEFORE_MADE = "expiry_before_made", "Expires before it was made"
    SERVED_BEFORE_MADE = "served_before_made", "Served before it was made"
    MADE_BEFORE_APPLIED = "made_before_applied", "Made before it was applied for"
    FUTURE_DATE = "future_date", "A date in the future"
    EXPIRY_AND_UNTIL_FURTHER_ORDER = (
        "expiry_and_until_further_order",
        "Both an expiry and until further order",
    )
    ORDER_TYPE_NOT_IN_USE = "order_type_not_in_use", "Order type no longer in use"
    ILLEGAL_STATUS_TRANSITION = "illegal_status_transition", "Status cannot change that way"
    ORDER_NOT_IN_FORCE = "order_not_in_force", "The order is not in force: it cannot be varied or renewed"
    NOT_CHANGEABLE = "not_changeable", "Cannot be changed here"
    REPLACES_OTHER_SUBJECT = "replaces_other_subject", "Replaces an order of another subject"
    TERM_OUTSIDE_ORDER = "term_outside_order", "Term dates outside the order's"
    TERM_ENDS_BEFORE_START = "term_ends_before_start", "Term ends before it starts"
    TRIGGER_NOT_NOTIFIABLE = "trigger_not_notifiable", "The order type needs no notification for this"
    NOTIFIED_BEFORE_TRIGGER = "notified_before_trigger", "Notified before the trigger day"
    ALREADY_NOTIFIED = "already_notified", "The requirement was already met"
    ORDER_OF_ANOTHER_SUBJECT = "order_of_another_subject", "An order of another subject"
    NOT_FORCE_MEMBER = "not_force_member", "Not a member of this force"
    REASON_REQUIRED = "reason_required", "A reason is required"


class CaseloadImportError(models.TextChoices):
    """Codes of a caseload import's problems (``orders.imports``), beside the services' own codes."""

    EMPTY_FILE = "empty_file", "The file is empty"
    FILE_TOO_LARGE = "file_too_large", "The file is too large"
    NOT_CSV = "not_csv", "Not a CSV file"
    NOT_UTF8 = "not_utf8", "Not saved as UTF-8"
    MISSING_HEADER = "missing_header", "The first row does not name the columns"
    MISSING_COLUMN = "missing_column", "A required column is missing"
    UNKNOWN_COLUMN = "unknown_column", "A column the import does not know"
    REPEATED_COLUMN = "repeated_column", "A column named twice"
    TOO_MANY_ROWS = "too_many_rows", "More rows than one import takes"
    EXTRA_CELLS = "extra_cells", "More cells than columns"
    IDENTITY_REQUIRED = "identity_required", "Neither a PNC id nor a Niche nominal reference"
    IDENTITY_CONFLICT = "identity_conflict", "The PNC id and the Niche reference name different subjects"
    AMBIGUOUS_NICHE_REF = "ambiguous_niche_ref", "Several subjects hold this Niche reference"
    CONFLICTING_ROWS = "conflicting_rows", "Rows of one subject disagree"
    UNKNOWN_ORDER_TYPE = "unknown_order_type", "Not an order type"
    COURT_REQUIRED = "court_required", "An order without its court"
    CASE_NUMBER_REQUIRED = "case_number_required", "An order without its court case number"
    ORDER_OF_OTHER_SUBJECT = "order_of_other_subject", "The order is held against another subject"
    REPEATED_ORDER = "repeated_order", "The same order on two rows"
    NO_NOTIFICATION = "no_notification", "The order brings no notification to have been made"
    CLASH = "import_clash", "Another change clashed with the import"
