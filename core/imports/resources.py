"""The base of every import kind's resource, and the widgets the kinds share.

An `AcademyResource` is a django-import-export `ModelResource` whose fields carry Chinese column
names (`column_name`, the headers of templates and exports) and accept the English ones too
(`aliases()`); whose `natural_key` names the columns that find an existing row (so importing a
sheet twice updates rather than duplicates); which knows the acting user (`self.user`); and
whose exports pass every cell through `core.exports.neutralise` and mask `personal_fields`
unless the user holds `personal_permission`.

No kind renders the library's row diff (never shown: `skip_html_diff`). A kind that imports
many rows may also set `skip_diff = True` in its Meta (registrations do: no `deepcopy` of each
instance); its `skip_row` then receives `original=None` and compares with
`self.original_values(instance)`, as `AcademyResource.skip_row` does for `skip_unchanged`.
"""

import difflib
import re
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import attrgetter, or_

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field

from core.exports import neutralise
from core.validators import mask_id_number, mask_phone, normalize_digits, normalize_mobile

# What Excel shows (and a CSV then keeps) for a long number in a General cell: 1.38E+10.
SCIENTIFIC = re.compile(r"^\s*[0-9]+(?:\.[0-9]+)?[eE]\+?[0-9]+\s*$")
SEPARATORS = re.compile(r"[、,，;；/]+")


def suggestion(value: str, known) -> str:
    """ " Did you mean …?" for a value close to one of `known`, else nothing."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.5)
    return _(" Did you mean “%(name)s”?") % {"name": close[0]} if close else ""


class TextWidget(widgets.CharWidget):
    """Text with runs of spaces made one, the ends stripped."""

    def clean(self, value, row=None, **kwargs):
        return " ".join(str(value or "").split())

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class MobileWidget(TextWidget):
    """A mobile number as people type it (full-width digits, spaces, +86); refuses the
    1.38E+10 Excel makes of a number in a General cell."""

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if SCIENTIFIC.match(value):
            raise ValueError(
                _(
                    "“%(value)s” is a number Excel shortened; format the column as Text and type "
                    "the 11 digits again."
                )
                % {"value": value}
            )
        return normalize_mobile(value)


class IdNumberWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if SCIENTIFIC.match(value):
            raise ValueError(
                _(
                    "“%(value)s” is a number Excel shortened; format the column as Text and type "
                    "the 18 characters again."
                )
                % {"value": value}
            )
        return normalize_digits(value)


class ChoiceWidget(widgets.Widget):
    """One of a TextChoices, by its label (as exported) or its stored value."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            return ""
        for stored, label in self.choices.choices:
            if value in (stored, str(label)):
                return stored
        labels = [str(label) for _stored, label in self.choices.choices]
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s.%(hint)s")
            % {"value": value, "allowed": "、".join(labels), "hint": suggestion(value, labels)}
        )

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices.choices).get(value, value or ""))

    def allowed(self) -> list[str]:
        return [str(label) for _stored, label in self.choices.choices]


class BooleanWidget(widgets.Widget):
    TRUE = ("是", "true", "1", "yes", "y", "对")
    FALSE = ("否", "false", "0", "no", "n", "")

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip().lower()
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise ValueError(_("Write 是 or 否."))

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class DecimalWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = normalize_digits(str(value or ""))
        if not value:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else format(value, "f")


class LocalDateTimeWidget(widgets.DateTimeWidget):
    """Local time, without a zone, in and out: "2026-11-28 09:00"."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d %H:%M")

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class ReferenceWidget(widgets.ForeignKeyWidget):
    """Another row by its name (or code): read once per import, refused with "did you mean …"
    when it is not there."""

    def __init__(self, model, field="name", *, queryset=None, label=None, **kwargs):
        self.queryset = queryset
        self.label = label
        super().__init__(model, field=field, **kwargs)
        self._table = None

    def get_queryset(self, value, row, *args, **kwargs):
        return self.queryset if self.queryset is not None else self.model._default_manager.all()

    def table(self) -> dict:
        if self._table is None:
            self._table = {}
            for item in self.get_queryset(None, None):
                self._table.setdefault(self.key(item), item)
        return self._table

    def key(self, item) -> str:
        return str(self.label(item) if self.label else getattr(item, self.field))

    def find(self, value: str):
        value = " ".join(value.split())
        found = self.table().get(value)
        if found is None:
            raise ValueError(
                _("“%(value)s” was not found.%(hint)s")
                % {"value": value, "hint": suggestion(value, self.table())}
            )
        return found

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        return self.find(value) if value else None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.key(value)


class ReferencesWidget(ReferenceWidget):
    """Several rows by name, separated by 、 , ， ; or /."""

    def clean(self, value, row=None, **kwargs):
        names = [name for name in SEPARATORS.split(str(value or "")) if name.strip()]
        return [self.find(name) for name in names]

    def render(self, value, obj=None, **kwargs):
        items = value.all() if hasattr(value, "all") else (value or [])
        return "、".join(self.key(item) for item in items)


def searched(queryset, params, *fields):
    """`queryset` narrowed by the listing's search (the `q` parameter, its spaces collapsed):
    rows where any of `fields` contains it."""
    search = " ".join(str(params.get("q") or "").split())
    if not search:
        return queryset
    return queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": search}) for field in fields)))


def column(attribute, column_name, widget=None, **kwargs) -> Field:
    return Field(
        attribute=attribute, column_name=column_name, widget=widget or TextWidget(), **kwargs
    )


class NoDiff:
    """django-import-export's `Diff` for kinds whose diff is never shown: nothing rendered."""

    def __init__(self, resource, instance, new):
        self.new = new

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class ProgressMixin:
    """Calls `self.progress(1)` after each row, when the management command set it."""

    progress = None

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.progress:
            self.progress(1)


class AcademyResource(ProgressMixin, resources.ModelResource):
    """A kind's resource: Chinese headers, natural keys, the user, safe and masked exports."""

    # Columns (attribute names) that must be in every file of this kind.
    required = ()
    # Attribute names masked in exports for a user without `personal_permission`.
    personal_fields = ()
    personal_permission = ""
    # The first part of export file names (报名 in 报名_第3期_20261128.xlsx).
    filename = "导出"
    # The listing's query parameters (filters, search `q`) that `export_queryset` reads: the
    # listing's export buttons pass these on, so an export holds what the listing shows.
    export_params = ()
    # Model fields full_clean leaves to the service that saves the row.
    not_validated = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._import_fields = None
        self._original = (None, None)
        self._compared = None

    @classmethod
    def get_diff_class(cls):
        """The library's diff renders every field of every row twice; the preview shows the
        file's own values, never the diff, so none is made."""
        return NoDiff if cls._meta.skip_html_diff else super().get_diff_class()

    def get_import_fields(self):
        """The library's, worked out once per set of fields rather than three times per row."""
        names = tuple(self.fields)
        if self._import_fields is None or self._import_fields[0] != names:
            self._import_fields = (names, super().get_import_fields())
        return self._import_fields[1]

    def after_import(self, dataset, result, **kwargs):
        """Without the library's reset of the table's id sequence (to the largest id the
        import's transaction sees) unless the import writes ids itself: under concurrent
        writers (a trainee registering, another import) the reset hands out ids already
        taken, and one of them fails on the primary key."""
        if self.writes_ids():
            super().after_import(dataset, result, **kwargs)
        else:
            resources.Resource.after_import(self, dataset, result, **kwargs)

    def writes_ids(self) -> bool:
        primary_key = self._meta.model._meta.pk
        return any(
            field.attribute in (primary_key.name, primary_key.attname) and not field.readonly
            for field in self.get_import_fields()
        )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """The library's, without its debug message for each column a row does not have (a
        formatted string per row and column, logged or not)."""
        if field.attribute and not field.readonly and field.column_name in row:
            super().import_field(field, instance, row, is_m2m, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if self._meta.skip_diff:
            self._original = (instance, self.field_values(instance))

    def compared_fields(self) -> list:
        """(field, value getter) for each import field `skip_row` compares. A read-only column
        is never written by an import, and a many-to-many one is compared with the database; a
        foreign key is compared by its id, which needs no query (the library compares the rows,
        equal when their ids are)."""
        if self._compared is None:
            self._compared = []
            model_fields = {field.name: field for field in self._meta.model._meta.concrete_fields}
            for field in self.get_import_fields():
                if field.readonly or isinstance(field.widget, widgets.ManyToManyWidget):
                    continue
                model_field = model_fields.get(field.attribute or "")
                if model_field is not None and model_field.many_to_one:
                    self._compared.append((field, attrgetter(model_field.attname)))
                else:
                    self._compared.append((field, field.get_value))
        return self._compared

    def field_values(self, instance) -> list:
        """What `skip_row` compares: each compared field's value as the instance has it now."""
        return [value(instance) for _field, value in self.compared_fields()]

    def original_values(self, instance) -> dict | None:
        """attribute → the value `instance` had before the row was applied to it, for each
        compared field (None when it was not the row's instance: a kind's
        `after_init_instance` without `super()`)."""
        values = self._values_before(instance)
        if values is None:
            return None
        fields = [field for field, _value in self.compared_fields()]
        return {field.attribute: value for field, value in zip(fields, values, strict=True)}

    def _values_before(self, instance) -> list | None:
        kept, values = self._original
        return values if kept is instance else None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """`skip_unchanged` as the library's, comparing with the values the instance had when
        it was found (`original_values`) instead of a deep copy of it."""
        if not self._meta.skip_unchanged or import_validation_errors:
            return False
        if not self._meta.skip_diff:
            return super().skip_row(instance, original, row, import_validation_errors)
        before = self._values_before(instance)
        if before is None or self.field_values(instance) != before:
            return False
        for field in self.get_import_fields():
            # As the library: the m2m is not written yet, so the saved one is the original.
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                wanted = sorted(item.pk for item in field.clean(row))
                current = [] if instance.pk is None else field.get_value(instance).all()
                if wanted != sorted(item.pk for item in current):
                    return False
        return True

    @classmethod
    def natural_key(cls) -> list[str]:
        return list(cls._meta.import_id_fields or ["id"])

    def references(self) -> set[str]:
        """Attributes read through a ReferenceWidget: the widget found the row in the database,
        so model validation need not ask again (one query per row and field)."""
        return {
            field.attribute
            for field in self.fields.values()
            if field.attribute and isinstance(field.widget, ReferenceWidget)
        }

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | self.references() | set(self.not_validated)
        try:
            instance.full_clean(
                exclude=exclude, validate_unique=validate_unique, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def row_exporter(self):
        """A function of an instance giving its export row: the fields' accessors looked up
        once, not per cell (django-import-export's `export_resource` finds each field's name
        and dehydrate method again for every cell)."""
        getters = []
        for field in self.get_export_fields():
            name = self.get_field_name(field)
            method = getattr(self, f"dehydrate_{name}", None)
            masked = name in self.personal_fields and not self.can_see_personal_data()
            mask = mask_id_number if "id_number" in name else mask_phone
            getters.append((field, method, masked, mask))

        def row(instance):
            values = []
            for field, method, masked, mask in getters:
                value = method(instance) if method else field.export(instance)
                if masked and value:
                    value = mask(value)
                values.append(neutralise(value))
            return values

        return row

    def key_value(self, name: str, row):
        """A natural key's value in the row, or None when it is missing or wrong (the row's
        import then reports the error under its column)."""
        try:
            return self.fields[name].clean(row)
        except (ValueError, KeyError):
            return None

    def column_names(self) -> dict[str, str]:
        """attribute → Chinese column name, in the export order."""
        return {name: field.column_name for name, field in self.fields.items()}

    def aliases(self) -> dict[str, str]:
        """Every accepted spelling of a header (lower case) → its column name."""
        aliases = {}
        for name, field in self.fields.items():
            model_field = None
            try:
                model_field = self._meta.model._meta.get_field(field.attribute or name)
            except Exception:  # noqa: BLE001 (a computed column has no model field)
                model_field = None
            spellings = [field.column_name, name, name.replace("_", " ")]
            if model_field is not None and hasattr(model_field, "verbose_name"):
                spellings.append(str(model_field.verbose_name))
            for spelling in spellings:
                aliases.setdefault(str(spelling).strip().lower(), field.column_name)
        return aliases

    def required_columns(self) -> list[str]:
        names = self.column_names()
        return [names[name] for name in (*self.natural_key(), *self.required) if name in names]

    def can_see_personal_data(self) -> bool:
        return bool(
            self.user and self.personal_permission and self.user.has_perm(self.personal_permission)
        )

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        name = self.get_field_name(field)
        if name in self.personal_fields and value and not self.can_see_personal_data():
            value = mask_id_number(value) if "id_number" in name else mask_phone(value)
        return neutralise(value)

    @classmethod
    def export_queryset(cls, params):
        """What an export lists, from the listing's query parameters."""
        return cls._meta.model._default_manager.all()

    @classmethod
    def filename_parts(cls, params) -> list[str]:
        """What the export file's name says after `filename`, e.g. the cohort's title."""
        return []

    def export_instances(self, queryset, *, chunk_size: int):
        """The objects of `export_queryset`, read `chunk_size` at a time; a kind whose rows
        need rows of another table that a join cannot fetch reads them here, per chunk."""
        return queryset.iterator(chunk_size=chunk_size)

    def template_fields(self) -> list:
        """The columns of the kind's template: those an import takes."""
        return [field for field in self.get_export_fields() if not field.readonly]

    def example_row(self) -> dict[str, str]:
        """attribute → an example value, for the template."""
        return {}
