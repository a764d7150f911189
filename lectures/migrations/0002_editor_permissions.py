"""Editors (编辑) review the lecture menu: they may view and change menu items
and orders (``lectures.selectors.user_reviews_menu``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_CODENAMES = [
    "view_lecture",
    "change_lecture",
    "view_lectureorder",
    "change_lectureorder",
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="编辑")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="lectures", codename__in=EDITOR_CODENAMES
        )
    )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    editors = Group.objects.filter(name="编辑").first()
    if editors:
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="lectures")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lectures", "0001_initial"),
        ("learning", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
