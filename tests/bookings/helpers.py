"""Staff users, timetables and admin messages for the tests of registrations and sessions."""

import itertools

from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages

from bookings.models import Session
from core.models import User
from tests.factories import UserFactory

from .factories import SessionFactory

_groups = itertools.count(1)


def staff_user(*permissions: str) -> User:
    """A user who is not a superuser, with Wagtail admin access and `app_label.codename`s."""
    group = Group.objects.create(name=f"培训管理{next(_groups)}")
    for permission in ("wagtailadmin.access_admin", *permissions):
        app_label, codename = permission.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = UserFactory()
    user.groups.add(group)
    return user


def make_session(cohort, *, lecturers=(), **fields) -> Session:
    """A session of `cohort` (SessionFactory's defaults) with its lecturers saved."""
    session = SessionFactory(cohort=cohort, **fields)
    session.lecturers.set(lecturers)
    return session


def messages_of(response) -> list[tuple[str, str]]:
    """The messages the admin showed for a response, as (level, text)."""
    return [
        (message.level_tag, str(message).strip()) for message in get_messages(response.wsgi_request)
    ]
