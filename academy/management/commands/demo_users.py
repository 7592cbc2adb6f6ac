"""`manage.py demo_users`: one demo user per role, and how to log in as each (demo only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from academy.demo.users import JUDGE_USERNAME, PASSWORD, ensure_judges, ensure_role_users


class Command(BaseCommand):
    help = (
        "仅用于演示：为每个角色（学院管理员、内容编辑、教务、评委、讲师、基地联系人）创建一个"
        f"演示用户，另建大赛评委 judge01…judge15（密码 {PASSWORD}），并打印登录信息。"
        "可重复运行；生产环境拒绝运行。"
    )

    def handle(self, *args, verbosity, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("演示用户的密码是公开的，生产环境不能创建。")
        users = ensure_role_users()
        judges = ensure_judges()
        if not verbosity:
            return
        self.stdout.write("演示用户（仅用于演示，各角色一个）：")
        for username, description, demo_password in users:
            shown = PASSWORD if demo_password else "（已被修改，不是演示密码）"
            self.stdout.write(f"  用户名：{username:<12}密码：{shown}  {description}")
        first, last = JUDGE_USERNAME.format(1), JUDGE_USERNAME.format(len(judges))
        self.stdout.write(
            f"大赛评委：用户名 {first}…{last}，密码：{PASSWORD}（在网站登录页登录，"
            "评审页面 /competitions/judging/，不进入管理后台）"
        )
