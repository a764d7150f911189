"""What every portal template may use: the theme, 长辈模式 and the member."""

from __future__ import annotations

from django.http import HttpRequest

from learning.selectors import member_for_user
from themes.rendering import elder_mode, theme_for_request, theme_template


def portal(request: HttpRequest) -> dict:
    if request.path.startswith(("/admin/", "/api/")):
        return {}
    theme = theme_for_request(request)
    user = getattr(request, "user", None)
    member = (
        member_for_user(user=user)
        if user is not None and user.is_authenticated
        else None
    )
    return {
        "theme": theme,
        "theme_base": theme_template(request, "base.html"),
        "elder_mode": elder_mode(request),
        "portal_member": member,
    }
