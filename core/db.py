"""Database expressions the apps share."""

from django.db.models import Func, IntegerField


class DaysBetween(Func):
    """SQL: `later - earlier` (two date expressions) in whole days, as an integer."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (the development default) keeps dates as text: count days via julian days.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
