"""Permissions on learning models for editors, and the organisation admins' group.

- 编辑 (editors): manage organisations, members, imports, assignments, training
  classes and the 学时 rule; see every report.
- 组织管理员 (organisation secretaries/admins): admin access; view their subtree's
  organisations, manage its members and training classes, read its reports. Which
  subtree is given by learning.OrganisationAdministrator rows.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MODELS = [
    "organisation",
    "member",
    "organisationadministrator",
    "assignment",
    "trainingclass",
    "trainingsession",
    "attendance",
    "credithourrule",
]
ORG_ADMIN_PERMISSIONS = [
    "view_organisation",
    "view_member",
    "add_member",
    "change_member",
    "view_trainingclass",
    "add_trainingclass",
    "change_trainingclass",
    "view_trainingsession",
    "view_attendance",
    "view_assignment",
]
ORG_ADMIN_GROUP = "组织管理员"


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    learning = Permission.objects.filter(content_type__app_label="learning")
    editors, _ = Group.objects.get_or_create(name="编辑")
    editors.permissions.add(
        *learning.filter(content_type__model__in=EDITOR_MODELS).exclude(
            codename__in=["add_credithourrule", "delete_credithourrule"]
        )
    )
    admins, _ = Group.objects.get_or_create(name=ORG_ADMIN_GROUP)
    admins.permissions.add(*learning.filter(codename__in=ORG_ADMIN_PERMISSIONS))
    admins.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=ORG_ADMIN_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_initial"),
        ("cms", "0002_home_roles_and_review"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
