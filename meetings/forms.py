"""Forms of the secretary's meeting pages in the admin: they only read and shape
what was typed; every rule is the service's (``meetings.services``)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from meetings.models import Meeting, MeetingKind

DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class MemberChoiceField(forms.TypedChoiceField):
    def __init__(self, *, members, **kwargs):
        choices = [("", "——")] + [(m.pk, m.name) for m in members]
        super().__init__(choices=choices, coerce=int, empty_value=None, **kwargs)


class MeetingScheduleForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    party_group = forms.TypedChoiceField(
        label="党小组（党小组会）", required=False, coerce=int, empty_value=None
    )
    theme = forms.CharField(label="主题", max_length=200)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea)
    starts_at = forms.DateTimeField(
        label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    place = forms.ChoiceField(label="地点类型", choices=Meeting.Place.choices)
    teaching_site = forms.IntegerField(label="教学点（页面 id）", required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    online_url = forms.CharField(label="线上会议链接", max_length=200, required=False)

    def __init__(self, *args, members, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"] = MemberChoiceField(label="主持人", members=members)
        self.fields["recorder"] = MemberChoiceField(label="记录人", members=members)
        self.fields["party_group"].choices = [("", "——")] + [
            (g.pk, g.name) for g in groups
        ]
        self.fields["members"] = forms.TypedMultipleChoiceField(
            label="参会人员（不选为全体党员或党小组成员；支委会须选支委）",
            choices=[(m.pk, m.name) for m in members],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200, required=False)

    def __init__(self, *args, what: str = "理由", **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what

    def clean_reason(self) -> str:
        # The service refuses it too; the form says so beside the field.
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(f"{self.what}须填写理由")
        return reason


class SignInForm(ReasonForm):
    member = forms.IntegerField(widget=forms.HiddenInput)


class LeaveDecisionForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        choices=[("1", "准假"), ("0", "不准假")], coerce=lambda v: v == "1"
    )


class MinutesForm(forms.Form):
    text = forms.CharField(label="纪要", widget=forms.Textarea, max_length=50000)
    base_revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(
        label="修订说明（台账归档后必填）", max_length=200, required=False
    )


class ResolutionForm(forms.Form):
    text = forms.CharField(label="决议事项", widget=forms.Textarea, max_length=2000)
    owner = forms.IntegerField(label="责任人")
    due_on = forms.DateField(label="完成期限", widget=DATE)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = MemberChoiceField(label="责任人", members=members)


class HomeVisitForm(forms.Form):
    member = forms.IntegerField(label="党员")
    visited_on = forms.DateField(label="送学日期", widget=DATE)
    visitors = forms.CharField(label="送学人", max_length=200)
    content = forms.CharField(label="送学内容", widget=forms.Textarea, max_length=5000)
    member_words = forms.CharField(
        label="党员本人意见", widget=forms.Textarea, required=False, max_length=5000
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = MemberChoiceField(label="党员", members=members)


class MakeupAssignForm(forms.Form):
    lesson = forms.IntegerField(label="补学课程（录像或微党课页面 id）", min_value=1)
    days = forms.IntegerField(label="补学期限（天）", min_value=1, max_value=365)


class RescheduleForm(ReasonForm):
    starts_at = forms.DateTimeField(
        label="新的开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label="新的结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    address = forms.CharField(
        label="新的地址（不填则地点不变）", max_length=200, required=False
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="附件（PDF、PNG、JPG、DOCX）",
        help_text=f"可选，不超过 {settings.MEETINGS_ATTACHMENT_MAX_MB} MB",
    )


class PartyGroupForm(forms.Form):
    name = forms.CharField(label="党小组名称", max_length=100)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"] = MemberChoiceField(
            label="组长", members=members, required=False
        )
        self.fields["members"] = forms.TypedMultipleChoiceField(
            label="成员",
            choices=[(m.pk, m.name) for m in members],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
