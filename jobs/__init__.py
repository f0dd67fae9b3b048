"""Periodic jobs: one beat entry per job, fanned out to every force, one recorded run per day."""
