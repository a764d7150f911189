from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = "宣讲比赛"

    def ready(self):
        from competitions.selectors import video_asset_visible_to_judges
        from media_pipeline.selectors import video_asset_viewer_rule_register

        # An entry's video plays for the judges given the entry and for organisers.
        video_asset_viewer_rule_register(video_asset_visible_to_judges)
