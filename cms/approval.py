"""The form an editor fills when approving a lecturer's submission."""

from django import forms
from wagtail.forms import TaskStateCommentForm


class LessonApprovalForm(TaskStateCommentForm):
    """Approving a submission says where the lesson goes (a section, or a course
    and its section): it leaves 讲师投稿 as it is published."""

    destination = forms.ChoiceField(label="发布到", required=False)

    def __init__(self, *args, **kwargs):
        from cms.services import lesson_destinations

        super().__init__(*args, **kwargs)
        choices = lesson_destinations(user=None)
        self.fields["destination"].choices = choices
        if choices:
            self.fields["destination"].initial = choices[0][0]
