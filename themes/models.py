from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from themes.contrast import MIN_TEXT_CONTRAST, contrast_ratio
from themes.registry import DEFAULT_THEME, theme_choices, theme_get

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "颜色须为 #RRGGBB 形式")


@register_setting(icon="view")
class PortalTheme(BaseSiteSetting):
    """门户主题: which theme a Wagtail Site's portal uses, and its branding."""

    theme = models.CharField(
        "主题", max_length=32, choices=theme_choices(), default=DEFAULT_THEME
    )
    site_name = models.CharField(
        "门户名称", max_length=60, blank=True, help_text="留空则用主题自带的名称"
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="标志",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary = models.CharField(
        "主色", max_length=7, blank=True, validators=[colour], help_text="如 #a61b1b"
    )
    accent = models.CharField("强调色", max_length=7, blank=True, validators=[colour])

    panels = [
        FieldPanel("theme"),
        MultiFieldPanel(
            [
                FieldPanel("site_name"),
                FieldPanel("logo"),
                FieldRowPanel([FieldPanel("primary"), FieldPanel("accent")]),
            ],
            heading="品牌（可选，覆盖主题）",
        ),
    ]

    class Meta:
        verbose_name = "门户主题"

    def clean(self):
        # Colours an editor picks must stay readable: text on the primary colour and
        # the accent on the page must reach 4.5:1.
        super().clean()
        theme = theme_get(self.theme).with_overrides(
            primary=self.primary, accent=self.accent
        )
        colours = theme.colours
        errors = {}
        if (
            contrast_ratio(colours["primary"], colours["on_primary"])
            < MIN_TEXT_CONTRAST
        ):
            errors["primary"] = "主色上的白色文字对比度不足 4.5:1，请选更深的颜色"
        if contrast_ratio(colours["accent"], colours["surface"]) < MIN_TEXT_CONTRAST:
            errors["accent"] = "强调色与页面背景的对比度不足 4.5:1，请选更深的颜色"
        if errors:
            raise ValidationError(errors)
