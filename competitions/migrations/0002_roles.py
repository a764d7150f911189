"""Who organises 宣讲比赛 in the admin: 编辑 set up competitions, rounds, rubrics
and judges, close rounds and release results (``competitions.selectors.
user_organises``: the permission to change competitions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    f"{action}_{model}"
    for model in ("competition", "round")
    for action in ("add", "change", "delete", "view")
] + ["view_entry", "view_award"]
GROUPS = ["编辑"]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = Permission.objects.filter(
        content_type__app_label="competitions", codename__in=PERMISSIONS
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*granted)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = Permission.objects.filter(content_type__app_label="competitions")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*granted)


class Migration(migrations.Migration):
    dependencies = [
        ("competitions", "0001_initial"),
        ("learning", "0002_roles"),
        ("cms", "0002_home_roles_and_review"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
