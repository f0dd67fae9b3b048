"""The REST API (DRF) under /api/v1/ on every host; it calls the same services as the web UI."""
