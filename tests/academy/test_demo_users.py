"""`manage.py demo_users`: one user per role for trying each desk, never in production."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import User

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    return out.getvalue()


def test_demo_users_get_one_role_each_and_print_their_logins(client):
    output = run()

    groups = {
        user.username: sorted(group.name for group in user.groups.all())
        for user in User.objects.prefetch_related("groups")
    }
    assert groups == {
        "guanliyuan": ["Moderators", "学院管理员"],
        "bianji": ["内容编辑"],
        "jiaowu": ["教务"],
        "pingwei": ["评委"],
        "jiangshi": ["讲师"],
        "jidi": ["基地联系人"],
        **{f"judge{number:02d}": ["评委"] for number in range(1, 16)},
    }
    assert "用户名：jiaowu" in output
    assert "大赛评委：用户名 judge01…judge15，密码：academy-demo" in output
    assert "密码：academy-demo" in output
    assert client.login(username="jiaowu", password="academy-demo")


def test_demo_users_keep_a_changed_password_and_say_so():
    run()
    user = User.objects.get(username="bianji")
    user.set_password("something-else")
    user.save()

    output = run()

    assert User.objects.get(username="bianji").check_password("something-else")
    assert "用户名：bianji      密码：（已被修改，不是演示密码）" in output
    assert User.objects.count() == 6 + 15


def test_demo_users_refused_with_production_settings(settings):
    settings.SETTINGS_MODULE = "academy.settings.production"

    with pytest.raises(CommandError):
        run()

    assert not User.objects.exists()
