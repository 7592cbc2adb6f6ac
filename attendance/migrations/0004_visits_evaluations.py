"""Evaluations (评教) and study visits (来烟学习交流), and what each role may do with them.

- 学院管理员 (academy administrator): everything of both models, and the figures.
- 教务 (registrar): evaluations with their comments, study visits (record, change, delete),
  and the figures.
- 讲师 (lecturer): the evaluations of their own sessions (`view_own_evaluations`; which
  sessions are theirs comes from their lecturer page's `user`).
- 基地联系人 (base contact): confirming the study visits to their own bases
  (`confirm_studyvisit`; which bases are theirs comes from a base page's `contact_user`).

Nobody adds, changes or deletes an evaluation in the admin: trainees write them. The roles are
data, as in academy/migrations/0002_roles.py: the permissions are named here so the migration
keeps meaning what it meant when it ran. Forward only, as 0002.
"""

import core.validators
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


MODELS = ("evaluation", "studyvisit")
ROLES = {
    "学院管理员": "all",
    "教务": [
        "view_evaluation",
        "add_studyvisit",
        "change_studyvisit",
        "delete_studyvisit",
        "view_studyvisit",
        "view_figures",
    ],
    "讲师": ["view_own_evaluations"],
    "基地联系人": ["confirm_studyvisit"],
}


def grant_roles(apps, schema_editor):
    # On a fresh database post_migrate has not yet created this app's permissions.
    app_config = apps.get_app_config("attendance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(
        content_type__app_label="attendance", content_type__model__in=MODELS
    )
    for group in Group.objects.filter(name__in=ROLES):
        codenames = ROLES[group.name]
        group.permissions.add(*(ours if codenames == "all" else ours.filter(codename__in=codenames)))


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0003_certificates'),
        ('bases', '0002_trainingbasepage_contact_user'),
        ('bookings', '0002_registrationgroup_token_contact_email'),
        ('lecturers', '0002_lecturerpage_user'),
        ('academy', '0004_registrars_register_trainees'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Evaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content', models.PositiveSmallIntegerField(choices=[(1, '1'), (2, '2'), (3, '3'), (4, '4'), (5, '5')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='content')),
                ('delivery', models.PositiveSmallIntegerField(choices=[(1, '1'), (2, '2'), (3, '3'), (4, '4'), (5, '5')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='delivery')),
                ('usefulness', models.PositiveSmallIntegerField(choices=[(1, '1'), (2, '2'), (3, '3'), (4, '4'), (5, '5')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='usefulness')),
                ('organisation', models.PositiveSmallIntegerField(choices=[(1, '1'), (2, '2'), (3, '3'), (4, '4'), (5, '5')], validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='organisation')),
                ('comment', models.TextField(blank=True, max_length=500, verbose_name='comment')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='rated at')),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='bookings.registration', verbose_name='registration')),
                ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='bookings.session', verbose_name='session')),
            ],
            options={
                'verbose_name': 'evaluation',
                'verbose_name_plural': 'evaluations',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('view_own_evaluations', 'Can see the evaluations of their own sessions')],
                'constraints': [models.UniqueConstraint(fields=('session', 'registration'), name='evaluation_once_per_session'), models.CheckConstraint(condition=models.Q(('content__gte', 1), ('content__lte', 5)), name='evaluation_content_on_the_scale'), models.CheckConstraint(condition=models.Q(('delivery__gte', 1), ('delivery__lte', 5)), name='evaluation_delivery_on_the_scale'), models.CheckConstraint(condition=models.Q(('usefulness__gte', 1), ('usefulness__lte', 5)), name='evaluation_usefulness_on_the_scale'), models.CheckConstraint(condition=models.Q(('organisation__gte', 1), ('organisation__lte', 5)), name='evaluation_organisation_on_the_scale')],
            },
        ),
        migrations.CreateModel(
            name='StudyVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('organisation', models.CharField(max_length=120, verbose_name='visiting organisation')),
                ('province', models.CharField(max_length=20, verbose_name='province')),
                ('city', models.CharField(blank=True, max_length=30, verbose_name='city')),
                ('contact_name', models.CharField(max_length=40, verbose_name='contact person')),
                ('contact_phone', models.CharField(max_length=11, validators=[core.validators.validate_mobile], verbose_name='contact mobile')),
                ('visited_on', models.DateField(db_index=True, verbose_name='date of the visit')),
                ('planned_headcount', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='planned headcount')),
                ('actual_headcount', models.PositiveIntegerField(blank=True, help_text="How many came. The academy's visitor figures count this number.", null=True, verbose_name='actual headcount')),
                ('notes', models.TextField(blank=True, max_length=1000, verbose_name='notes')),
                ('confirmed_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='confirmed at')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('bases', models.ManyToManyField(blank=True, related_name='study_visits', to='bases.trainingbasepage', verbose_name='training bases visited')),
                ('confirmed_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
            ],
            options={
                'verbose_name': 'study visit',
                'verbose_name_plural': 'study visits',
                'ordering': ['-visited_on', '-pk'],
                'permissions': [('confirm_studyvisit', 'Can confirm the study visits to their own bases'), ('view_figures', "Can see the academy's figures")],
                'constraints': [models.CheckConstraint(condition=models.Q(('confirmed_at__isnull', True), ('actual_headcount__isnull', False), _connector='OR'), name='study_visit_confirmed_with_headcount'), models.CheckConstraint(condition=models.Q(('planned_headcount__gte', 1)), name='study_visit_planned_someone')],
            },
        ),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
