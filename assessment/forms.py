"""Admin forms: a question's key must fit its kind, a quiz its page, and the import
form."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.models import Page

from assessment.models import LiveContest, Quiz
from assessment.scoring import question_problems
from dangke.tables import upload_problem
from learning.models import Organisation
from learning.selectors import organisation_scope_q


def _inline_rows(form: WagtailAdminModelForm, name: str) -> list[dict] | None:
    """The cleaned rows of an inline panel, less deleted ones (None when the
    inline rows themselves are invalid: their own errors are shown then)."""
    formset = form.formsets.get(name)
    if formset is None or not formset.is_valid():
        return None
    return [
        row.cleaned_data
        for row in formset.forms
        if row.cleaned_data and not row.cleaned_data.get("DELETE")
    ]


class QuestionForm(WagtailAdminModelForm):
    """A question's key must fit its kind: one right option of a single choice,
    the answer of a true/false question, an accepted answer of a fill-in."""

    def clean(self):
        data = super().clean()
        options = _inline_rows(self, "options")
        if options is None:
            return data
        problems = question_problems(
            kind=data.get("kind") or "",
            stem=data.get("stem") or "",
            options=[
                (row.get("text", ""), row.get("correct", False)) for row in options
            ],
            is_true=data.get("is_true"),
            accepted=(data.get("accepted_answers") or "").splitlines(),
        )
        for problem in problems:
            self.add_error(None, problem)
        page = data.get("page")
        if page is not None and page.specific_class.__name__ not in (
            "MicroLessonPage",
            "CoursePage",
        ):
            self.add_error("page", "只能关联微党课或课程")
        return data


class QuizForm(WagtailAdminModelForm):
    """A lesson quiz belongs to a lesson, an exam to a course, a contest paper to
    neither; a fixed paper needs questions, a draw a sensible difficulty range."""

    PAGE_TYPES = {
        Quiz.Kind.LESSON: ("MicroLessonPage", "课后测验须选择所属微党课"),
        Quiz.Kind.COURSE: ("CoursePage", "结业考试须选择所属课程"),
    }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        page: Page | None = data.get("page")
        if kind in self.PAGE_TYPES:
            model, message = self.PAGE_TYPES[kind]
            if page is None or page.specific_class.__name__ != model:
                self.add_error("page", message)
        elif kind == Quiz.Kind.CONTEST and page is not None:
            self.add_error("page", "竞赛试卷不属于微党课或课程，请留空")
        if data.get("selection") == Quiz.Selection.FIXED:
            rows = _inline_rows(self, "quiz_questions")
            if rows is not None and not rows:
                self.add_error(None, "固定题目的试卷至少需要一道题")
        low, high = data.get("draw_difficulty_min"), data.get("draw_difficulty_max")
        if low and high and low > high:
            self.add_error("draw_difficulty_max", "最高难度不能低于最低难度")
        return data


class ContestForm(WagtailAdminModelForm):
    """Contest organisers pick organisations inside their own subtrees; an online
    round's window must close after it opens."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "organisation" in self.fields:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                organisation_scope_q(user=self.for_user)
            )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "结束时间须晚于开始时间")
        return data


class LiveContestForm(ContestForm):
    """Teams and questions of a live contest stay as they are while it runs."""

    def clean(self):
        data = super().clean()
        if (
            self.instance.pk
            and LiveContest.objects.filter(
                pk=self.instance.pk, status=LiveContest.Status.RUNNING
            ).exists()
        ):
            raise forms.ValidationError("比赛正在进行，结束前不能修改队伍和题目")
        return data


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label="题库文件",
        help_text=(
            "XLSX/CSV（列：题型、题干、选项A–F、答案、解析、难度、标签），"
            "或 Moodle 的 GIFT（.gift）、Aiken（.aiken/.txt）格式。"
        ),
    )
    page = forms.ModelChoiceField(
        label="关联微党课或课程",
        queryset=Page.objects.none(),
        required=False,
        help_text="导入的题目都关联到这里（可留空）",
    )
    tags = forms.CharField(
        label="追加标签",
        required=False,
        help_text="给导入的每道题加上这些标签，多个用逗号分隔",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].queryset = Page.objects.filter(
            content_type__model__in=["microlessonpage", "coursepage"]
        ).order_by("title")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(
            name=upload.name,
            size=upload.size,
            suffixes=(".xlsx", ".csv", ".gift", ".aiken", ".txt"),
        )
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def tag_list(self) -> list[str]:
        text = (self.cleaned_data.get("tags") or "").replace("，", ",")
        return [t.strip() for t in text.replace("、", ",").split(",") if t.strip()]
