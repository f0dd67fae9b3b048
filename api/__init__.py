"""The REST API (DRF) under /api/v1/ on every host; it calls the same services as the web UI.

One module per domain (people, organisation, practice, order_types, subjects, audit, tokens), on
the bases of viewsets.py (scoping by ``restrict``, permissions, audit) and serializers.py; errors.py
maps every failure to a stable code, parsers.py and renderers.py keep bad bodies from being 500s."""
