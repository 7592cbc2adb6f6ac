"""A course's topics and lecturers become orderable links (CourseTopic, CourseLecturer) that the
editor picks with searchable choosers (issue 10); `CoursePage.topics` and `.lecturers` stay,
as many-to-many fields through them, so every reader is unchanged.

Every existing link is copied (in the order of the old rows), and every revision of a course
(drafts, history) gets its topics and lecturers as links too, so publishing an older draft or
reverting keeps them. Backwards, the links are copied back into the old tables.
"""

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


def revision_links(content: dict, page_id) -> dict:
    """A revision's content with its `topics` and `lecturers` lists as child links."""
    for old, new, field in (("topics", "topic_links", "topic"), ("lecturers", "lecturer_links", "lecturer")):
        if old in content and new not in content:
            content[new] = [
                {"pk": None, "sort_order": order, "page": page_id, field: pk}
                for order, pk in enumerate(dict.fromkeys(content.pop(old) or []))
            ]
    return content


def revision_lists(content: dict) -> dict:
    """Backwards: the links as the old lists."""
    for old, new, field in (("topics", "topic_links", "topic"), ("lecturers", "lecturer_links", "lecturer")):
        if new in content:
            content[old] = [link[field] for link in content.pop(new) or []]
    return content


def course_revisions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    course_type = ContentType.objects.filter(app_label="courses", model="coursepage").first()
    if course_type is None:
        return Revision.objects.none()
    return Revision.objects.filter(content_type=course_type)


def copy_to_links(apps, schema_editor):
    CoursePage = apps.get_model("courses", "CoursePage")
    CourseTopic = apps.get_model("courses", "CourseTopic")
    CourseLecturer = apps.get_model("courses", "CourseLecturer")
    old_topics = CoursePage.topics.through.objects.order_by("pk")
    CourseTopic.objects.bulk_create(
        CourseTopic(page_id=row.coursepage_id, topic_id=row.topic_id, sort_order=row.pk)
        for row in old_topics
    )
    old_lecturers = CoursePage.lecturers.through.objects.order_by("pk")
    CourseLecturer.objects.bulk_create(
        CourseLecturer(page_id=row.coursepage_id, lecturer_id=row.lecturerpage_id, sort_order=row.pk)
        for row in old_lecturers
    )
    for revision in course_revisions(apps).iterator():
        revision.content = revision_links(revision.content, int(revision.object_id))
        revision.save(update_fields=["content"])


def copy_from_links(apps, schema_editor):
    CoursePage = apps.get_model("courses", "CoursePage")
    CourseTopic = apps.get_model("courses", "CourseTopic")
    CourseLecturer = apps.get_model("courses", "CourseLecturer")
    CoursePage.topics.through.objects.bulk_create(
        CoursePage.topics.through(coursepage_id=link.page_id, topic_id=link.topic_id)
        for link in CourseTopic.objects.order_by("sort_order", "pk")
    )
    CoursePage.lecturers.through.objects.bulk_create(
        CoursePage.lecturers.through(coursepage_id=link.page_id, lecturerpage_id=link.lecturer_id)
        for link in CourseLecturer.objects.order_by("sort_order", "pk")
    )
    for revision in course_revisions(apps).iterator():
        revision.content = revision_lists(revision.content)
        revision.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_districts"),
        ("courses", "0002_course_workflow"),
        ("lecturers", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="CourseTopic",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="topic_links",
                        to="courses.coursepage",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.topic",
                        verbose_name="topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "topic",
                "verbose_name_plural": "topics",
                "ordering": ["sort_order"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(fields=("page", "topic"), name="course_topic_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="CourseLecturer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "lecturer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="lecturers.lecturerpage",
                        verbose_name="lecturer",
                    ),
                ),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lecturer_links",
                        to="courses.coursepage",
                    ),
                ),
            ],
            options={
                "verbose_name": "lecturer",
                "verbose_name_plural": "lecturers",
                "ordering": ["sort_order"],
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(fields=("page", "lecturer"), name="course_lecturer_once")
                ],
            },
        ),
        migrations.RunPython(copy_to_links, copy_from_links),
        migrations.RemoveField(model_name="coursepage", name="topics"),
        migrations.RemoveField(model_name="coursepage", name="lecturers"),
        migrations.AddField(
            model_name="coursepage",
            name="topics",
            field=models.ManyToManyField(
                blank=True,
                related_name="courses",
                through="courses.CourseTopic",
                to="core.topic",
                verbose_name="topics",
            ),
        ),
        migrations.AddField(
            model_name="coursepage",
            name="lecturers",
            field=models.ManyToManyField(
                blank=True,
                related_name="courses",
                through="courses.CourseLecturer",
                to="lecturers.lecturerpage",
                verbose_name="lecturers",
            ),
        ),
    ]
