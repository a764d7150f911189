"""Admin forms: organisation choices limited to what the signed-in admin manages."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.models import Page

from cms.models import CoursePage, TopicPage
from cms.selectors import pages_visible_to_public
from dangke.tables import upload_problem
from learning.models import Organisation
from learning.selectors import (
    accounts_assignable,
    organisation_scope_q,
    organisations_for_choice,
)


class AccountField(forms.ModelChoiceField):
    """A user account typed by its username and checked against ``queryset``: the
    form never lists accounts (a district has tens of thousands, and an
    organisation admin may not see those of other subtrees)."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid_choice": "用户名不存在，或不在您管理的范围内。",
    }

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("help_text", "输入用户名")
        super().__init__(queryset, to_field_name="username", **kwargs)

    def prepare_value(self, value):
        if hasattr(value, "_meta"):
            return value.username
        if value in self.empty_values:
            return ""
        if isinstance(value, int):  # the initial value of a saved profile: its pk
            found = self.queryset.model._default_manager.filter(pk=value)
            return found.values_list("username", flat=True).first() or ""
        return value


class _PublicLessonsOnly:
    """A training session's lessons are chosen among live, public pages (and those
    it covers already): the choices named every draft and lecturer submission."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("lessons")
        if field is not None:
            covered = self.instance.lessons.all() if self.instance.pk else []
            field.queryset = field.queryset.filter(
                Q(pk__in=pages_visible_to_public(queryset=Page.objects.all()))
                | Q(pk__in=[page.pk for page in covered])
            )


class ScopedOrganisationForm(WagtailAdminModelForm):
    """Organisation admins may only pick organisations inside their own subtrees,
    and name (by username) only accounts without a member profile in another
    subtree (``learning.selectors.accounts.accounts_assignable``); sessions offer
    only public lessons (``_PublicLessonsOnly``)."""

    scoped_fields = ("organisation", "parent")
    account_fields = ("user",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for formset in getattr(self, "formsets", {}).values():
            if "lessons" in formset.form.base_fields:
                formset.form = type(
                    formset.form.__name__, (_PublicLessonsOnly, formset.form), {}
                )
        user = self.for_user
        for name in self.account_fields:
            field = self.fields.get(name)
            if field is not None and not isinstance(field, AccountField):
                self.fields[name] = AccountField(
                    accounts_assignable(user=user)
                    if user is not None
                    else field.queryset.none(),
                    label=field.label,
                    required=field.required,
                )
        self._public_pages_only("online_lessons", "course")
        if user is None:
            return
        for name in self.scoped_fields:
            field = self.fields.get(name)
            if field is not None:
                field.queryset = Organisation.objects.filter(
                    organisation_scope_q(user=user)
                )
        # A class's plan line: only lines of plans in the user's subtrees.
        field = self.fields.get("plan_line")
        if field is not None:
            field.queryset = field.queryset.filter(
                organisation_scope_q(user=user, prefix="plan__organisation__")
            )

    def _public_pages_only(self, *names: str) -> None:
        """A class's online lessons and course are chosen among live, public pages
        (and those it has already), like a session's lessons: the choices would
        otherwise name every draft and lecturer submission."""
        for name in names:
            field = self.fields.get(name)
            if field is None:
                continue
            current = []
            if self.instance.pk:
                value = getattr(self.instance, name)
                if hasattr(value, "all"):
                    current = [page.pk for page in value.all()]
                elif value is not None:
                    current = [value.pk]
            field.queryset = field.queryset.filter(
                Q(pk__in=pages_visible_to_public(queryset=Page.objects.all()))
                | Q(pk__in=current)
            )


class ImportForm(forms.Form):
    KIND_CHOICES = [("organisations", "党组织"), ("members", "党员")]

    kind = forms.ChoiceField(label="导入内容", choices=KIND_CHOICES)
    file = forms.FileField(
        label="文件",
        help_text=(
            "XLSX 或 CSV，第一行为表头。党组织：组织代码、组织名称、类型、上级组织代码；"
            "党员：用户名、姓名、所在组织代码、党员类别、入党日期。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(
            name=upload.name, size=upload.size, suffixes=(".xlsx", ".csv")
        )
        if problem:
            raise forms.ValidationError(problem)
        return upload


class ReportForm(forms.Form):
    """The report's filter. The organisation is picked from the tree of those the
    user may report on (indented by depth), not typed as a code."""

    organisation = forms.ChoiceField(label="党组织", required=False)
    course = forms.ModelChoiceField(
        label="课程", queryset=CoursePage.objects.none(), required=False
    )
    topic = forms.ModelChoiceField(
        label="专题", queryset=TopicPage.objects.none(), required=False
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000)

    def __init__(self, *args, roots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", "（我管理的全部组织）"),
            *organisations_for_choice(roots=roots),
        ]
        self.fields["course"].queryset = pages_visible_to_public(
            queryset=CoursePage.objects.all()
        ).order_by("title")
        self.fields["topic"].queryset = pages_visible_to_public(
            queryset=TopicPage.objects.all()
        ).order_by("title")

    def clean(self):
        data = super().clean()
        if data.get("course") and data.get("topic"):
            raise forms.ValidationError("课程与专题只能选一个")
        return data
