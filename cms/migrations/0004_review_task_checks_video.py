"""The lecturers' review workflow uses the lesson review task, which approves (and so
publishes) only lessons whose video can play."""

from django.db import migrations


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    LessonReviewTask = apps.get_model("cms", "LessonReviewTask")

    workflow = Workflow.objects.filter(name="讲师投稿审核").first()
    if workflow is None:
        return
    task_ct, _ = ContentType.objects.get_or_create(
        app_label="cms", model="lessonreviewtask"
    )
    review = LessonReviewTask.objects.create(
        name="编辑审核", content_type=task_ct, active=True
    )
    review.groups.set(Group.objects.filter(name="编辑"))
    old_ids = list(
        WorkflowTask.objects.filter(workflow=workflow).values_list("task_id", flat=True)
    )
    WorkflowTask.objects.filter(workflow=workflow).delete()
    WorkflowTask.objects.create(workflow=workflow, task_id=review.pk, sort_order=0)
    # The replaced group-approval task is kept (inactive) for the history of any
    # review that already ran through it.
    Task.objects.filter(pk__in=old_ids).update(active=False)


def backwards(apps, schema_editor):
    Task = apps.get_model("wagtailcore", "Task")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    LessonReviewTask = apps.get_model("cms", "LessonReviewTask")
    workflow = Workflow.objects.filter(name="讲师投稿审核").first()
    old = (
        Task.objects.filter(name="编辑审核", active=False)
        .exclude(pk__in=LessonReviewTask.objects.values("pk"))
        .first()
    )
    if workflow is None or old is None:
        return
    WorkflowTask.objects.filter(workflow=workflow).delete()
    WorkflowTask.objects.create(workflow=workflow, task_id=old.pk, sort_order=0)
    old.active = True
    old.save(update_fields=["active"])
    LessonReviewTask.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cms", "0003_lesson_review_task")]

    operations = [migrations.RunPython(forwards, backwards)]
