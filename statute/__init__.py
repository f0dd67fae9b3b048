"""Protective order types and their statutory rules (public schema), maintained centrally."""
