"""Resources for kinds that are Wagtail pages: a row creates a draft under the kind's index page
or adds a draft revision to an existing page. An import never publishes: new pages stay drafts,
and changes to a live page wait in its latest revision for an editor to publish or send to
moderation."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from .resources import AcademyResource


class PageResource(AcademyResource):
    index_model = None  # the index page new pages go under

    class Meta(AcademyResource.Meta):
        pass

    def get_instance(self, instance_loader, row):
        keys = {name: self.key_value(name, row) for name in self.natural_key()}
        if any(value in (None, "") for value in keys.values()):
            return None
        page = self._meta.model.objects.filter(**keys).first()
        return page.get_latest_revision_as_object() if page is not None else None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The page's fields that the sheet sets; the tree's own (path, depth, slug) are made
        when the page is added under its index."""
        errors = dict(import_validation_errors or {})
        ours = {field.attribute for field in self.fields.values() if field.attribute}
        exclude = (
            {f.name for f in instance._meta.concrete_fields if f.name not in ours}
            | self.references()
            | set(errors)
        )
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            parent = self.index_model.objects.first()
            if parent is None:
                raise ValueError(
                    _("There is no %(index)s to put new pages under; create it first.")
                    % {"index": self.index_model._meta.verbose_name}
                )
            instance.live = False
            parent.add_child(instance=instance)
        instance.save_revision(user=self.user, log_action=True)

    def save_m2m(self, instance, row, **kwargs):
        return

    @classmethod
    def export_queryset(cls, params):
        return cls._meta.model.objects.order_by("path")


def page_permission(index_model):
    """Whether the user may add pages under the kind's index page (Wagtail's page rights)."""

    def allowed(user) -> bool:
        parent = index_model.objects.first()
        return bool(parent and parent.permissions_for_user(user).can_add_subpage())

    return allowed


def index_listing(index_model):
    """The URL of the explorer's listing of the kind's index page, where its pages are listed
    and imported from (nothing while there is no index page)."""

    def url() -> str:
        parent = index_model.objects.first()
        return reverse("wagtailadmin_explore", args=[parent.pk]) if parent else ""

    return url
