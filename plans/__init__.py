"""Force-side case work: subjects, their orders and plans (lives in each force's schema)."""
