from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.models import Workflow, WorkflowPage

from .models import CourseIndexPage

COURSE_WORKFLOW_NAME = "课程发布审核"


@receiver(post_save, sender=CourseIndexPage, dispatch_uid="course-index-workflow")
def assign_course_workflow(sender, instance, created, raw=False, **kwargs):
    """Every course under a course index goes through review before it is published."""
    if not created or raw:
        return
    workflow = Workflow.objects.filter(name=COURSE_WORKFLOW_NAME, active=True).first()
    if workflow:
        WorkflowPage.objects.get_or_create(page=instance, defaults={"workflow": workflow})
