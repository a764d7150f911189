"""The member portal's own pages (the content pages are Wagtail's, rendered with the
theme's templates). Views are thin: they call selectors and services of the other
apps and render; no business rule lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.models import Page

from certificates import selectors as certificate_selectors
from dangke.errors import DomainError
from learning import selectors as learning_selectors
from learning import services as learning_services
from themes import signin
from themes.rendering import (
    ELDER_COOKIE,
    ELDER_COOKIE_AGE,
    render_portal,
    theme_for_request,
)


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@never_cache
@require_http_methods(["GET", "POST"])
def signin_view(request: HttpRequest) -> HttpResponse:
    """登录: Django's authentication with a clear message for a wrong password and a
    limit on attempts (``themes.signin``)."""
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        return HttpResponseRedirect(next_url)
    context = {"next": next_url, "username": "", "error": ""}
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip()[:150]
        password = request.POST.get("password", "")
        context["username"] = username
        if not username or not password:
            context["error"] = "请输入用户名和密码"
        elif not signin.signin_attempt(request, username):
            context["error"] = "登录尝试过于频繁，请 15 分钟后再试"
            status = 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                context["error"] = "用户名或密码不正确，请重新输入"
            else:
                signin.signin_succeeded(request, username)
                login(request, user)
                return HttpResponseRedirect(next_url)
    return render_portal(request, "signin.html", context, status=status)


@require_POST
def signout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect("/")


@require_POST
def elder_mode_view(request: HttpRequest) -> HttpResponse:
    """长辈模式 on or off; remembered in a cookie for a year."""
    response = HttpResponseRedirect(_safe_next(request))
    if request.POST.get("on") == "1":
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=ELDER_COOKIE_AGE, samesite="Lax", httponly=True
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response


def theme_css_view(request: HttpRequest) -> HttpResponse:
    """The theme's design tokens as CSS custom properties (no inline styles, so the
    Content-Security-Policy can forbid them)."""
    theme = theme_for_request(request)
    lines = [
        f"  --{name.replace('_', '-')}: {value};"
        for name, value in theme.colours.items()
    ]
    response = HttpResponse(
        ":root {\n" + "\n".join(lines) + "\n}\n", content_type="text/css; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


def _member_or_none(request: HttpRequest):
    return learning_selectors.member_for_user(user=request.user)


@login_required
def archive_view(request: HttpRequest) -> HttpResponse:
    """学习档案: 学时 against the yearly target, required and elective courses,
    attendance — the member's own, nobody else's."""
    member = _member_or_none(request)
    if member is None:
        return render_portal(request, "not_a_member.html", status=403)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year:
        year = this_year
    archive = learning_selectors.member_archive(member=member, year=year)
    certificates = certificate_selectors.certificates_of_user(user=request.user)
    return render_portal(
        request,
        "archive.html",
        {
            "archive": archive,
            "years": range(this_year, this_year - 5, -1),
            "certificates": certificates,
        },
    )


@login_required
@require_POST
def enrol_view(request: HttpRequest, course_id: int) -> HttpResponse:
    """选修: enrol the member in an elective course, then back to the course."""
    member = _member_or_none(request)
    if member is None:
        return render_portal(request, "not_a_member.html", status=403)
    try:
        enrolment = learning_services.enrolment_create(
            member=member, course_id=course_id
        )
    except DomainError as error:
        messages.error(request, error.detail)
        page = Page.objects.filter(pk=course_id).first()
        target = page.url if page is not None and page.live else "/"
        return HttpResponseRedirect(target or "/")
    messages.success(request, "已选修，开始学习吧")
    return HttpResponseRedirect(enrolment.course.url or "/")
