#!/usr/bin/env python
"""Django's command-line utility for the SPMP platform."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
    from django.core.management import execute_from_command_line

    from spmp_platform.embedded import command_needs_database, ensure_local_services

    if command_needs_database(sys.argv):
        # Settings start nothing: a command that may use the database starts the embedded server
        # (when DATABASE_URL is unset) and makes the local broker's folders here.
        ensure_local_services()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
