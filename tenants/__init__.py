"""Regions, forces (schema tenants), their hosts, users, memberships and onboarding."""
