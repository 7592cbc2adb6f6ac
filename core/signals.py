from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token
from wagtail.images import get_image_model
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import bump_generation
from .models import AcademySettings, District, Organisation, Topic
from .permissions import renew_generation

for signal in (page_published, page_unpublished, post_page_move):
    signal.connect(bump_generation, dispatch_uid=f"page-cache-{signal!r}")

for model in (District, Topic, Organisation, AcademySettings, get_image_model()):
    post_save.connect(bump_generation, sender=model, dispatch_uid=f"page-cache-save-{model}")
    post_delete.connect(bump_generation, sender=model, dispatch_uid=f"page-cache-del-{model}")


@receiver(post_delete, dispatch_uid="page-cache-page-delete")
def page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        bump_generation()


# Who holds which permission changed: every cached token (`core.permissions`) is
# read again at its next request.
User = get_user_model()
for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(renew_generation, sender=through, dispatch_uid=f"permissions-{through}")
for model in (Group, Permission):
    post_delete.connect(renew_generation, sender=model, dispatch_uid=f"permissions-del-{model}")
# A user saved (deactivated, made superuser, renamed) or deleted, a token deleted: every cached
# token is read again at its next request.
for model in (User, Token):
    post_save.connect(renew_generation, sender=model, dispatch_uid=f"tokens-save-{model}")
    post_delete.connect(renew_generation, sender=model, dispatch_uid=f"tokens-del-{model}")
