"""`core.rows`: model instances from values read outside a queryset, and an INSERT that a unique
constraint turns into nothing (the check-in's two statements stand on these)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

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


def test_instance_from_values_refuses_an_unknown_column():
    with pytest.raises(ValueError, match="no column nickname"):
        instance_from_values(get_user_model(), {"id": 1, "nickname": "小张"})
