"""The append-only access and change log (Data Protection Act 2018, Part 3, s.62)."""
