"""Model instances from values read outside a queryset (a cache entry, a row of a raw join),
an INSERT that a unique constraint may turn into nothing, and the prepared statements of a
hot path."""

import functools
from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import signals

M = TypeVar("M", bound=models.Model)


def instance_from_values(
    model: type[M], values: Mapping[str, Any], db: str = DEFAULT_DB_ALIAS
) -> M:
    """An instance of `model` as if loaded from the database with only `values` (by attname):
    every other field is deferred, read from the database if some code asks for it, and a
    save writes only the loaded fields.

    Django tells a loaded field from a deferred one by its attname in the instance's
    `__dict__`; the instance is made as unpickling makes one, the values put there, without
    `Model.__init__`'s walk over every field (`Model.from_db` sets each deferred one apart, a
    large share of a check-in's four instances). A model that has `pre_init` or `post_init`
    receivers (an ImageField's dimensions, say) is made by `from_db`, so that they run."""
    unknown = values.keys() - attnames(model)
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        names = [name for name in attnames(model) if name in values]
        return model.from_db(db, names, [values[name] for name in names])
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = models.base.ModelState()
    instance._state.adding, instance._state.db = False, db
    return instance


@functools.cache
def attnames(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def insert_unless_exists(instance: models.Model, using: str = DEFAULT_DB_ALIAS) -> bool:
    """INSERT the unsaved `instance`, unless a unique constraint finds its row already there.

    One statement (`INSERT … ON CONFLICT DO NOTHING RETURNING`, PostgreSQL and SQLite alike):
    True when inserted (its pk set, as after `save()`); False when the row was there, or a
    concurrent transaction inserted it first (PostgreSQL waits for that one to commit), with
    nothing written and no error, so no savepoint is needed inside a transaction. The fields
    are prepared as `save()` prepares them (defaults, `auto_now`); no signal is sent.
    """
    fields = insert_fields(type(instance))
    connection = connections[using]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    row = fetch_one(insert_sql(type(instance), using), values, using)
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, using
    return True


def fetch_one(sql: str, params, using: str = DEFAULT_DB_ALIAS):
    """The first row of a statement a hot path runs again and again (None: no row). On
    PostgreSQL it is prepared once per connection (`core.postgresql`'s `prepared_cursor`):
    the server plans it once instead of at every request. Elsewhere, Django's cursor."""
    connection = connections[using]
    prepared_cursor = getattr(connection, "prepared_cursor", None)
    with prepared_cursor() if prepared_cursor else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def insert_fields(model: type[models.Model]) -> list[models.Field]:
    meta = model._meta
    return [
        field
        for field in meta.concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    ]


@functools.cache
def insert_sql(model: type[models.Model], using: str) -> str:
    quote = connections[using].ops.quote_name
    fields = insert_fields(model)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    )


def instance_from_row(
    model: type[M], names: tuple[str, ...], row, using: str = DEFAULT_DB_ALIAS
) -> M:
    """`instance_from_values` for a row read by a cursor: each value converted as a queryset
    converts it (SQLite's naive datetimes made aware, decimals, booleans, …)."""
    connection = connections[using]
    values = {}
    for name, value, (expression, converters) in zip(
        names, row, row_converters(model, names, using), strict=True
    ):
        for converter in converters:
            value = converter(value, expression, connection)
        values[name] = value
    return instance_from_values(model, values, using)


@functools.cache
def row_converters(model: type[models.Model], names: tuple[str, ...], using: str) -> list:
    connection = connections[using]
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    converters = []
    for name in names:
        expression = by_name[name].get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression)
        converters.append((expression, [*found, *expression.get_db_converters(connection)]))
    return converters
