from wagtail.admin.forms import WagtailAdminModelForm


class LecturerAdminForm(WagtailAdminModelForm):
    """A lecturer editing their own profile may not re-link it to another account,
    nor read the list of every account: the field offers their own only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if (
            "user" in self.fields
            and user is not None
            and not user.has_perm("cms.change_lecturer")
        ):
            field = self.fields["user"]
            field.disabled = True
            field.queryset = field.queryset.filter(pk=self.instance.user_id)
