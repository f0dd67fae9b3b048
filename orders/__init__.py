"""Protective orders of a force's subjects: orders, their terms and history, notification requirements."""
