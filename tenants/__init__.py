"""The public schema's people and places: regions, forces (schema tenants) and their domains, users,
memberships and regional roles, onboarding, the people services (invite, roles and role grants,
suspend, remove), invitation links, accounts (passwords, deactivation) and API tokens."""
