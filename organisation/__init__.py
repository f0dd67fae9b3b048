"""How a force organises itself (force schema): areas, teams and their members, the force's
practice settings, and the force administration pages under /force-admin/."""
