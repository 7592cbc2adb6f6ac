"""`core.rows`: model instances from values read outside a queryset, and an INSERT that a unique
constraint turns into nothing (the check-in's two statements stand on these)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import signals

from core.models import District
from core.rows import insert_unless_exists, instance_from_values

pytestmark = pytest.mark.django_db


def test_insert_unless_exists_inserts_and_sets_the_pk():
    district = District(name="测试新区", slug="ceshi-xinqu")

    assert insert_unless_exists(district) is True

    assert district.pk is not None and not district._state.adding
    assert District.objects.get(pk=district.pk).slug == "ceshi-xinqu"


def test_a_row_already_there_writes_nothing_and_the_transaction_goes_on():
    District.objects.create(name="测试新区", slug="ceshi-xinqu")

    with transaction.atomic():
        again = District(name="测试新区", slug="ceshi-xinqu-2")
        assert insert_unless_exists(again) is False
        # No error was raised inside the transaction: PostgreSQL would refuse every statement
        # after a failed one, and this one would fail.
        assert District.objects.filter(name="测试新区").count() == 1

    assert again.pk is None
    assert list(District.objects.filter(name="测试新区").values_list("slug", flat=True)) == [
        "ceshi-xinqu"
    ]


def test_instance_from_values_defers_the_other_fields():
    user = get_user_model().objects.create_user("jiaowu", email="jiaowu@example.com")

    partial = instance_from_values(get_user_model(), {"id": user.pk, "username": "jiaowu"})

    assert partial.get_deferred_fields() >= {"email", "password", "is_active"}
    assert partial.email == "jiaowu@example.com"  # read from the database when asked


def test_instance_from_values_is_as_loaded_from_the_database():
    user = get_user_model().objects.create_user("jiaowu", first_name="晓明", is_staff=True)
    values = {"id": user.pk, "username": "jiaowu", "first_name": "晓明", "is_staff": True}

    made = instance_from_values(get_user_model(), values)
    loaded = get_user_model().objects.only(*values).get(pk=user.pk)

    assert made == loaded
    assert (made._state.adding, made._state.db) == (False, "default")
    assert made.get_deferred_fields() == loaded.get_deferred_fields()
    assert [getattr(made, name) for name in values] == [getattr(loaded, name) for name in values]
    made.first_name = "小明"
    made.save()  # an UPDATE of the loaded fields, as after only()
    assert get_user_model().objects.get(pk=user.pk).first_name == "小明"
    assert get_user_model().objects.count() == 1


def test_instance_from_values_runs_a_model_s_init_receivers():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((sender, instance.pk))

    signals.post_init.connect(receiver, sender=District)
    try:
        district = instance_from_values(District, {"id": 7, "name": "芝罘区"})
    finally:
        signals.post_init.disconnect(receiver, sender=District)

    assert seen == [(District, 7)]
    assert district.get_deferred_fields() >= {"slug"}


def test_instance_from_values_refuses_an_unknown_column():
    with pytest.raises(ValueError, match="no column nickname"):
        instance_from_values(get_user_model(), {"id": 1, "nickname": "小张"})
