"""测验、考试、每日一练、错题本与知识竞赛: the member's pages of assessment.

Thin: every rule (attempts allowed, deadlines, what may be shown when) is
assessment's; these views call ``assessment.services`` / ``assessment.selectors``,
turn form fields into answers and render. The key of an open attempt never reaches
a template because ``selectors.attempt_view`` does not hold it. Every form posts to
the server, so the pages work without script; ``quiz.js`` saves answers as they
are given and counts down, ``live.js`` drives the live contest (擂台赛).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from assessment import selectors, services
from assessment.errors import DeadlinePassed
from assessment.models import LiveContest, QuizAttempt
from dangke.api_errors import status_for
from dangke.errors import DomainError
from dangke.links import portal_url
from learning import selectors as learning_selectors
from learning.models import Member
from themes.rendering import render_portal

KIND_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "true_false": "判断题",
    "fill_blank": "填空题",
}
WRONG_ANSWERS_PER_PAGE = 20


def _member(request: HttpRequest) -> Member | None:
    return learning_selectors.member_for_user(user=request.user)


def _not_member(request: HttpRequest) -> HttpResponse:
    return render_portal(request, "assessment_not_member.html", status=403)


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def answer_from_form(data, question_id: int) -> dict[str, Any]:
    """The keyword arguments of a service's answer (``options``, ``value``,
    ``text``) from the form field ``q<id>``; assessment keeps only the one that
    fits the question's kind."""
    name = f"q{question_id}"
    chosen = [_int(value) for value in data.getlist(name)]
    return {
        "options": [value for value in chosen if value is not None],
        "value": {"true": True, "false": False}.get(data.get(name)),
        "text": (data.get(name) or "")[:500],
    }


def question_display(question: dict[str, Any]) -> dict[str, Any]:
    """A question as a selector gave it, shaped for the templates: which options
    the member chose and, only when the selector included the key, which are the
    key's."""
    answer = question.get("answer") or {}
    key = question.get("key")
    chosen = set(answer.get("options") or [])
    keyed = set((key or {}).get("options") or [])
    options = [
        {**option, "chosen": option["id"] in chosen, "is_key": option["id"] in keyed}
        for option in question.get("options", [])
    ]
    value = answer.get("value")
    shown: dict[str, Any] = {
        **question,
        "kind_label": KIND_LABELS.get(question["kind"], ""),
        "options": options,
        "value_answer": "" if value is None else ("true" if value else "false"),
        "text_answer": answer.get("text") or "",
        "has_key": key is not None,
        "key_text": "",
    }
    if key is not None:
        if "value" in key:
            shown["key_text"] = "正确" if key["value"] else "错误"
        elif "accepted" in key:
            shown["key_text"] = "、".join(key["accepted"])
        else:
            shown["key_text"] = "、".join(o["text"] for o in options if o["is_key"])
    return shown


# --- lesson quizzes and course exams ----------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def quiz_view(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """A quiz's rules and the member's attempts (GET); start or resume (POST)."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    quiz = selectors.quiz_for_member(quiz_id=quiz_id)
    if quiz is None:
        raise Http404("测验不存在或未开放")
    error, status = "", 200
    if request.method == "POST":
        try:
            attempt, _created = services.quiz_attempt_start(member=member, quiz=quiz)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("portal:attempt", args=[attempt.pk]))
    services.attempts_close_expired(member=member, quiz=quiz)
    return render_portal(
        request,
        "assessment_quiz.html",
        {
            "quiz": quiz,
            "summary": selectors.quiz_summary(quiz=quiz, member=member),
            "attempts": selectors.member_attempts(member=member, quiz_id=quiz.pk),
            "error": error,
        },
        status=status,
    )


def _attempt_back(attempt: QuizAttempt) -> tuple[str, str]:
    """Where the attempt was started from: the contest or the quiz page."""
    contest = getattr(attempt.quiz, "online_contest", None)
    if contest is not None:
        return reverse("portal:contest", args=[contest.pk]), "返回竞赛"
    return reverse("portal:quiz", args=[attempt.quiz_id]), "返回测验说明"


def _hand_in_confirmation(
    request: HttpRequest, attempt: QuizAttempt
) -> HttpResponse | None:
    """交卷 with questions left unanswered uses up an attempt: ask first, naming
    how many (the page's script asks in a dialog; this is the answer without
    script, and for any hand-in that did not say ``confirm=1``). None when every
    question has an answer or the attempt is no longer open."""
    view = selectors.attempt_view(attempt=services.attempt_refresh(attempt=attempt))
    if view["result"] is not None or view["remaining_seconds"] <= 0:
        return None
    unanswered = [q for q in view["questions"] if not q["answer"]]
    if not unanswered:
        return None
    back_url, back_label = _attempt_back(attempt)
    return render_portal(
        request,
        "assessment_hand_in.html",
        {
            "attempt": view,
            "unanswered": unanswered,
            "back_url": back_url,
            "back_label": back_label,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def attempt_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """An open attempt's questions with the saved answers (GET); the whole form
    saved, and handed in with 交卷 (POST); once closed, the result."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    attempt = selectors.attempt_for_member(member=member, attempt_id=attempt_id)
    if attempt is None:
        raise Http404("答卷不存在")
    here = reverse("portal:attempt", args=[attempt.pk])
    if request.method == "POST":
        view = selectors.attempt_view(attempt=attempt)
        handing_in = request.POST.get("action") == "submit"
        try:
            # The confirmation page's 交卷 carries no answers: they are saved.
            if view["result"] is None and request.POST.get("answers") != "saved":
                for question in view["questions"]:
                    services.attempt_answer_save(
                        member=member,
                        attempt_id=attempt.pk,
                        question_id=question["id"],
                        **answer_from_form(request.POST, question["id"]),
                    )
            if handing_in and request.POST.get("confirm") != "1":
                confirmation = _hand_in_confirmation(request, attempt)
                if confirmation is not None:
                    return confirmation
            if handing_in:
                services.attempt_submit(member=member, attempt_id=attempt.pk)
            else:
                messages.success(request, "答案已保存")
        except DeadlinePassed as refusal:
            messages.error(request, refusal.detail)
        except DomainError as refusal:
            messages.error(request, refusal.detail)
        return HttpResponseRedirect(here)
    attempt = services.attempt_refresh(attempt=attempt)
    view = selectors.attempt_view(attempt=attempt)
    back_url, back_label = _attempt_back(attempt)
    context = {
        "attempt": view,
        "questions": [question_display(q) for q in view["questions"]],
        "back_url": back_url,
        "back_label": back_label,
    }
    if view["result"] is None:
        return render_portal(request, "assessment_attempt.html", context)
    context["revealed"] = any(q["has_key"] for q in context["questions"])
    return render_portal(request, "assessment_result.html", context)


# --- 每日一练 and 错题本 -------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def practice_view(request: HttpRequest) -> HttpResponse:
    """Today's practice; each question is answered by its own form and checked at
    once (right or wrong, the key and the explanation)."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    practice = services.daily_practice_for(member=member)
    if request.method == "POST":
        question_id = _int(request.POST.get("question")) or 0
        try:
            services.daily_practice_answer(
                member=member,
                question_id=question_id,
                **answer_from_form(request.POST, question_id),
            )
        except DomainError as refusal:
            messages.error(request, refusal.detail)
        return HttpResponseRedirect(f"{reverse('portal:practice')}#q{question_id}")
    view = selectors.practice_view(practice=practice)
    return render_portal(
        request,
        "assessment_practice.html",
        {
            "practice": view,
            "questions": [question_display(q) for q in view["questions"]],
        },
    )


@never_cache
@login_required
def wrong_answers_view(request: HttpRequest) -> HttpResponse:
    """错题本: the questions got wrong, most recent first, with key and explanation
    (folded away), to answer again and remove once answered right."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    page = max(1, _int(request.GET.get("page")) or 1)
    count, items = selectors.wrong_answers_for_member(
        member=member,
        offset=(page - 1) * WRONG_ANSWERS_PER_PAGE,
        limit=WRONG_ANSWERS_PER_PAGE,
    )
    # The retry form starts empty: what was answered before is not the point.
    entries = [question_display({**item, "answer": None}) for item in items]
    return render_portal(
        request,
        "assessment_wrong_answers.html",
        {
            "count": count,
            "entries": entries,
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page * WRONG_ANSWERS_PER_PAGE < count else None,
        },
    )


@login_required
@require_POST
def wrong_answer_retry_view(request: HttpRequest, question_id: int) -> HttpResponse:
    member = _member(request)
    if member is None:
        return _not_member(request)
    answer = answer_from_form(request.POST, question_id)
    if not (answer["options"] or answer["value"] is not None or answer["text"].strip()):
        messages.error(request, "请先作答再提交")
        return HttpResponseRedirect(f"{reverse('portal:wrong_answers')}#q{question_id}")
    try:
        _entry, correct = services.wrong_answer_retry(
            member=member,
            question_id=question_id,
            **answer,
        )
    except DomainError as refusal:
        messages.error(request, refusal.detail)
    else:
        if correct:
            messages.success(request, "回答正确！这道题可以从错题本中移除了")
        else:
            messages.error(request, "还是答错了，看看解析再试一次")
    return HttpResponseRedirect(f"{reverse('portal:wrong_answers')}#q{question_id}")


@login_required
@require_POST
def wrong_answer_remove_view(request: HttpRequest, question_id: int) -> HttpResponse:
    member = _member(request)
    if member is None:
        return _not_member(request)
    try:
        services.wrong_answer_remove(member=member, question_id=question_id)
    except DomainError as refusal:
        messages.error(request, refusal.detail)
        return HttpResponseRedirect(f"{reverse('portal:wrong_answers')}#q{question_id}")
    messages.success(request, "已从错题本中移除")
    return HttpResponseRedirect(reverse("portal:wrong_answers"))


# --- 知识竞赛 (online round) -------------------------------------------------------


@never_cache
@login_required
def contests_view(request: HttpRequest) -> HttpResponse:
    """The online contests open to the member's organisation, with their window
    and the member's own result."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    services.attempts_close_expired(member=member)
    contests = [
        selectors.contest_view(contest=contest, member=member)
        for contest in selectors.contests_for_member(member=member)
    ]
    return render_portal(request, "assessment_contests.html", {"contests": contests})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def contest_view(request: HttpRequest, contest_id: int) -> HttpResponse:
    """A contest: rules, window, the member's result, results per organisation
    (aggregates only) and, only if the organiser made it public, the ranking;
    POST takes (or resumes) the member's one attempt."""
    member = _member(request)
    if member is None:
        return _not_member(request)
    contest = selectors.contest_for_member(member=member, contest_id=contest_id)
    if contest is None:
        raise Http404("竞赛不存在")
    error, status = "", 200
    if request.method == "POST":
        try:
            attempt, _created = services.contest_attempt_start(
                member=member, contest=contest
            )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("portal:attempt", args=[attempt.pk]))
    # Everyone's: attempts left open at the close count in the published figures.
    services.attempts_close_expired(quiz=contest.quiz)
    return render_portal(
        request,
        "assessment_contest.html",
        {
            "contest": selectors.contest_view(contest=contest, member=member),
            "report": selectors.contest_results_report(
                organisation=contest.organisation, contest=contest
            ),
            "ranking": selectors.contest_ranking(contest=contest, limit=50)
            if contest.ranking_public
            else None,
            "error": error,
        },
        status=status,
    )


# --- 擂台赛 (live stage round) -----------------------------------------------------


@never_cache
def live_join_view(request: HttpRequest) -> HttpResponse:
    """A phone joins a team. Typed join code: no account needed, ``live.js`` calls
    the public join API and keeps the device token in this browser. The host
    screen's QR code opens this page with ``?code=``: after sign-in the member's
    phone joins at once (the same team and the same player when scanned again,
    after the phone lost its storage) and ``live.js`` keeps the new token."""
    code = (request.GET.get("code") or "").strip()[:40]
    if not code:
        return render_portal(request, "assessment_live_join.html", {"code": ""})
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context: dict[str, Any] = {"code": code, "error": ""}
    try:
        device, token = services.live_device_join(
            code=code, user=request.user, limit_key=f"user:{request.user.pk}"
        )
    except DomainError as refusal:
        context["error"] = refusal.detail
        return render_portal(
            request, "assessment_live_join.html", context, status=status_for(refusal)
        )
    context["joined"] = {
        "contest": device.team.contest_id,
        "token": token,
        "team_id": device.team_id,
        "team_name": device.team.name,
    }
    return render_portal(request, "assessment_live_join.html", context)


@never_cache
def live_phone_view(request: HttpRequest, contest_id: int) -> HttpResponse:
    """A joined phone's page: the question now, its countdown, answer buttons, the
    stake for a 风险题 and the team's score, kept current by ``live.js``."""
    if selectors.live_state_version(contest_id=contest_id) is None:
        raise Http404("擂台赛不存在")
    return render_portal(
        request, "assessment_live_phone.html", {"contest_id": contest_id}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def live_host_view(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The host's screen for the projector (GET) and its 下一步 button (POST, for
    browsers without script; ``live.js`` uses the API and never reloads)."""
    contest = (
        LiveContest.objects.select_related("organisation").filter(pk=contest_id).first()
    )
    if contest is None:
        raise Http404("擂台赛不存在")
    if not selectors.user_can_host(user=request.user, contest=contest):
        return render_portal(request, "assessment_live_not_host.html", status=403)
    if request.method == "POST":
        try:
            services.live_advance(
                user=request.user,
                contest_id=contest.pk,
                expected_version=_int(request.POST.get("version")),
            )
        except DomainError as refusal:
            messages.error(request, refusal.detail)
        return HttpResponseRedirect(reverse("portal:live_host", args=[contest.pk]))
    state = selectors.live_state(contest=contest, host=True)
    item = state["item"]
    question = (
        question_display({**item["question"], "id": item["id"]})
        if (item and item["question"])
        else None
    )
    ranking = sorted(state["teams"], key=lambda team: -team["score"])
    top = ranking[0]["score"] if ranking else None
    return render_portal(
        request,
        "assessment_live_host.html",
        {
            "contest": contest,
            "state": state,
            "question": question,
            "ranking": ranking,
            "winners": [team for team in ranking if team["score"] == top],
            "join_url": portal_url(reverse("portal:live_join"), request=request),
        },
    )
