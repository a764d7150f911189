"""Who schedules live lectures in the admin: 编辑 (everywhere) and 组织管理员 (in
their subtrees, ``broadcasts.selectors``): view, add and change lectures, view
presence. Nobody deletes a lecture in the admin (cancel it instead)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "view_livelecture",
    "add_livelecture",
    "change_livelecture",
    "view_livepresence",
]
GROUPS = ["编辑", "组织管理员"]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = Permission.objects.filter(
        content_type__app_label="broadcasts", codename__in=PERMISSIONS
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*granted)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = Permission.objects.filter(content_type__app_label="broadcasts")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*granted)


class Migration(migrations.Migration):
    dependencies = [
        ("broadcasts", "0001_initial"),
        ("learning", "0002_roles"),
        ("cms", "0002_home_roles_and_review"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
