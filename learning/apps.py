from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "学习管理"

    def ready(self) -> None:
        from dangke.tokens import TokenProfile, token_profile_register
        from learning import signal_handlers
        from learning.models import Member
        from learning.selectors.scoping import MEMBER_FIELDS, remember_member

        signal_handlers.register()
        # A heartbeat needs the token, the account and the member profile: read
        # together, and the profile handed to ``member_for_user``'s memo.
        token_profile_register(
            TokenProfile(model=Member, fields=MEMBER_FIELDS, remember=remember_member)
        )
