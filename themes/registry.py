"""The portal's themes: each is a template directory plus design tokens.

A theme's templates live in ``themes/templates/themes/<key>/``; any template a theme
does not have falls back to the default theme's. The tokens (name, colours) become
CSS custom properties in ``/theme.css``; a Wagtail Site's 门户主题 setting chooses the
theme and may override its name, logo and colours.

Every theme keeps body text ≥ 18 px (larger in 长辈模式), line height ≥ 1.3, text
contrast ≥ 4.5:1 against its background (tested), tap targets ≥ 44×44 px (≥ 60×60 px
in 长辈模式), after the MIIT 适老化 figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    site_name: str
    # colours: primary (header, buttons), on_primary (text on it), accent, ink
    # (text), muted (secondary text), surface (page background), card
    colours: dict[str, str] = field(default_factory=dict)
    logo_url: str = ""

    def with_overrides(self, **overrides: str) -> Theme:
        """This theme with the non-empty ``overrides`` (site_name, logo_url, or a
        colour by name) applied."""
        colours = dict(self.colours)
        fields: dict[str, str] = {}
        for name, value in overrides.items():
            if not value:
                continue
            if name in colours:
                colours[name] = value
            else:
                fields[name] = value
        return replace(self, colours=colours, **fields)


THEMES: dict[str, Theme] = {
    "default": Theme(
        key="default",
        label="党建红",
        site_name="党员教育",
        colours={
            "primary": "#a61b1b",
            "on_primary": "#ffffff",
            "accent": "#8a5a00",
            "ink": "#1f1f1f",
            "muted": "#595959",
            "surface": "#ffffff",
            "card": "#fbf7f4",
        },
    ),
    "jade": Theme(
        key="jade",
        label="青松",
        site_name="党员学习",
        colours={
            "primary": "#0f5c4c",
            "on_primary": "#ffffff",
            "accent": "#a61b1b",
            "ink": "#14211d",
            "muted": "#4d5b57",
            "surface": "#f6faf8",
            "card": "#ffffff",
        },
    ),
}
DEFAULT_THEME = "default"


def theme_get(key: str) -> Theme:
    """The theme called ``key``, or the default one for an unknown key."""
    return THEMES.get(key) or THEMES[DEFAULT_THEME]


def theme_choices() -> list[tuple[str, str]]:
    return [(theme.key, theme.label) for theme in THEMES.values()]
