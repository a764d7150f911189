from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容管理"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from cms.models import Lecturer
        from cms.permissions import LecturerProfilePermissionPolicy

        register_permission_policy(Lecturer, LecturerProfilePermissionPolicy(Lecturer))
