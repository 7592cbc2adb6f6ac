"""One demo user per role (the groups of academy/migrations/0002_roles.py), so that staff trying
the demo can open each desk. Demo only: every one of them has the same known password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

PASSWORD = "academy-demo"
# (username, group, description), in the order they are printed.
ROLE_USERS = [
    ("guanliyuan", "学院管理员", "学院管理员（另属 Moderators，可审核课程）"),
    ("bianji", "内容编辑", "内容编辑"),
    ("jiaowu", "教务", "教务"),
    ("pingwei", "评委", "评委"),
    ("jiangshi", "讲师", "讲师"),
    ("jidi", "基地联系人", "基地联系人"),
]
# The course workflow's reviewers are Moderators: the demo administrator reviews too.
EXTRA_GROUPS = {"guanliyuan": ["Moderators"]}


def ensure_role_users() -> list[tuple[str, str, bool]]:
    """Creates the missing demo users (an existing one keeps its password and gets its groups
    back); returns (username, description, whether the password is still the demo one)."""
    User = get_user_model()
    users = []
    with transaction.atomic():
        for username, group_name, description in ROLE_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username, email=f"{username}@example.org", password=PASSWORD
                )
            groups = Group.objects.filter(name__in=[group_name, *EXTRA_GROUPS.get(username, [])])
            user.groups.add(*groups)
            users.append((username, description, user.check_password(PASSWORD)))
    return users
