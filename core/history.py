"""Audit trail reads: an object's django-simple-history records as who / when / before / after,
raw for the API and readable for the pages."""

from collections import defaultdict

from django.db.models import Field, ForeignKey, Model
from django.template.defaultfilters import yesno
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

_IGNORED_FIELDS = {"updated_at", "name_initials"}


def history_entries(instance: Model) -> list[dict]:
    """Every recorded version of `instance`, newest first, each with the fields that changed."""
    records = list(
        instance.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {"field": change.field, "before": _plain(change.old), "after": _plain(change.new)}
                for change in delta.changes
                if change.field not in _IGNORED_FIELDS
            ]
        else:
            changes = [
                {
                    "field": field.attname,
                    "before": None,
                    "after": _plain(getattr(record, field.attname)),
                }
                for field in instance._meta.concrete_fields
                if field.attname not in _IGNORED_FIELDS
                and getattr(record, field.attname, None) not in (None, "")
            ]
        entries.append(
            {
                "at": record.history_date,
                "user": record.history_user.get_username() if record.history_user else None,
                "action": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "changes": changes,
            }
        )
        previous = record
    entries.reverse()
    return entries


def readable_history(instance: Model) -> list[dict]:
    """history_entries for people: each change with its field's label, choice labels instead of
    codes and the referenced objects' names instead of their ids (one query per foreign key that
    appears, whatever the number of records); the key and timestamps are left out."""
    entries = history_entries(instance)
    fields = {}
    for field in instance._meta.concrete_fields:
        # A creation entry names a foreign key by its column (owner_id), a change by its name.
        fields[field.attname] = fields[field.name] = field
    for entry in entries:
        entry["changes"] = [
            change
            for change in entry["changes"]
            if change["field"] not in fields or not _is_bookkeeping(fields[change["field"]])
        ]
    names = _referenced_names(fields, entries)
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            if field is None:  # a column the model no longer has
                change["label"] = change["field"]
                continue
            change["field"] = field.name
            change["label"] = field.verbose_name
            change["before"] = _readable_value(field, change["before"], names)
            change["after"] = _readable_value(field, change["after"], names)
    return entries


def _is_bookkeeping(field: Field) -> bool:
    # The key, and timestamps the record's own date already tells, say nothing to a reader.
    return (
        field.primary_key
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def _referenced_names(fields: dict[str, Field], entries: list[dict]) -> dict[str, dict]:
    """For each foreign key among the changes, the str() of the objects its values point at."""
    referenced = defaultdict(set)
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            if isinstance(field, ForeignKey):
                referenced[field.name] |= {change["before"], change["after"]} - {None, ""}
    names = {}
    for name, values in referenced.items():
        field = fields[name]
        target = field.target_field.attname
        # Some names read a parent (an installment is "<invoice number>/<sequence>"): the
        # required foreign keys come in the same query.
        related = field.related_model._base_manager.select_related().filter(
            **{f"{target}__in": values}
        )
        names[name] = {_plain(getattr(obj, target)): str(obj) for obj in related}
    return names


def _readable_value(field: Field, value, names: dict[str, dict]):
    if value is None or value == "":
        return None
    if isinstance(field, ForeignKey):
        # An object deleted since keeps its id.
        return names[field.name].get(value, value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return yesno(value)
    return value


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    changes = HistoryChangeSerializer(many=True)


class HistoryMixin:
    """Adds GET <object>/history/ to a viewset: the object's audit trail."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        return Response(HistoryEntrySerializer(history_entries(self.get_object()), many=True).data)
