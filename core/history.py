"""Audit trail reads: an object's django-simple-history records as who / when / before / after."""

from django.db.models import Model
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
