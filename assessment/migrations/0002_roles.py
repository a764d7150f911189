"""Permissions on assessment models for editors and organisation admins.

- 编辑 (editors): manage the question bank, quizzes and exams, contests and the
  每日一练 setting; host live contests; read every report.
- 组织管理员 (organisation secretaries/admins): see and run the contests of their
  own subtree (create online and live contests there, host live ones) and read its
  reports; the bank stays with editors.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MODELS = [
    "question",
    "quiz",
    "quizattempt",
    "onlinecontest",
    "livecontest",
    "practicerule",
]
ORG_ADMIN_PERMISSIONS = [
    "view_question",
    "view_quiz",
    "view_onlinecontest",
    "add_onlinecontest",
    "change_onlinecontest",
    "view_livecontest",
    "add_livecontest",
    "change_livecontest",
    "host_livecontest",
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    assessment = Permission.objects.filter(content_type__app_label="assessment")
    editors, _ = Group.objects.get_or_create(name="编辑")
    editors.permissions.add(
        *assessment.filter(content_type__model__in=EDITOR_MODELS).exclude(
            codename__in=["add_practicerule", "delete_practicerule"]
        )
    )
    admins, _ = Group.objects.get_or_create(name="组织管理员")
    admins.permissions.add(*assessment.filter(codename__in=ORG_ADMIN_PERMISSIONS))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    assessment = Permission.objects.filter(content_type__app_label="assessment")
    for group in Group.objects.filter(name__in=["编辑", "组织管理员"]):
        group.permissions.remove(*assessment)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("learning", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
