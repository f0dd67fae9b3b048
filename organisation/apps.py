from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = "Force organisation"

    def ready(self) -> None:
        from core.demo import register_demo_step
        from core.signals import force_onboarded, membership_ended

        from .demo import seed_force_organisation
        from .practice import on_force_onboarded
        from .services import on_membership_ended

        # A new force starts with the default practice settings, inside the onboarding transaction.
        force_onboarded.connect(on_force_onboarded, dispatch_uid="organisation-default-practice-settings")
        # A person removed from the force leaves its teams.
        membership_ended.connect(on_membership_ended, dispatch_uid="organisation-leave-teams")
        register_demo_step("organisation", seed_force_organisation, order=20)
