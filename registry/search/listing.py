"""Result cards from raw rows: the columns a card shows (LISTING_FIELDS), loaded as models.

PostgreSQL's search statement reads a page's plugins along with their ranking; this module
names the tables and columns it joins in and turns each row back into a ``Plugin`` with its
``latest`` version and ``owner``, as ``Plugin.objects.for_listing()`` would load them.
"""

from collections.abc import Sequence
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field, Model

from registry.models import LISTING_FIELDS, Plugin, PluginVersion


class Listing:
    """A result card's columns and tables for a raw statement, and the models of its rows.

    ``columns``: the select list, aliased ``p`` (plugin), ``v`` (latest version), ``u``
    (owner). ``tables``: those three joined, to be joined to a plugin id as ``p.id``. Rows are
    made by ``Model.from_db`` with the fields' own converters, so other fields stay deferred.
    """

    def __init__(self) -> None:
        user_model: type[Model] = get_user_model()
        self.parts = [
            _Part(Plugin, "p", None),
            _Part(PluginVersion, "v", "latest"),
            _Part(user_model, "u", "owner"),
        ]
        quote = connection.ops.quote_name
        self.columns = ", ".join(
            f"{part.alias}.{quote(str(field.column))}"
            for part in self.parts
            for field in part.fields
        )
        self.tables = (
            f"{Plugin._meta.db_table} p\n"
            f"    JOIN {PluginVersion._meta.db_table} v ON v.id = p.latest_id\n"
            f"    LEFT JOIN {quote(user_model._meta.db_table)} u"
            f" ON u.{quote(str(user_model._meta.pk.column))} = p.owner_id"
        )

    def plugin(self, values: Sequence[Any]) -> Plugin | None:
        """The plugin of one row's ``columns``, or None if it vanished after the index saw it."""
        made: list[Any] = []
        for part in self.parts:
            row, values = values[: len(part.fields)], values[len(part.fields) :]
            made.append(None if row[0] is None else part.make(row))
        plugin, latest, owner = made
        if plugin is None or latest is None:
            return None
        plugin.latest, plugin.owner = latest, owner
        return cast(Plugin, plugin)


class _Part:
    """The columns of one model (reached from a plugin through ``via``) and how to load them."""

    def __init__(self, model: type[Model], alias: str, via: str | None) -> None:
        names = [
            name.split("__", 1)[1] if via else name
            for name in LISTING_FIELDS
            if (name.split("__", 1)[0] if "__" in name else None) == via
        ]
        self.model, self.alias = model, alias
        self.fields = [
            cast("Field[Any, Any]", model._meta.get_field(name))
            for name in [model._meta.pk.name, *(["owner", "latest"] if via is None else []), *names]
        ]
        self.converters = []
        for field in self.fields:
            col = field.get_col(alias)
            steps = [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]
            self.converters.append((col, steps))
        # from_db() takes the loaded values in the model's field order.
        order = {field.attname: i for i, field in enumerate(self.fields)}
        self.attnames = [f.attname for f in model._meta.concrete_fields if f.attname in order]
        self.positions = [order[name] for name in self.attnames]

    def make(self, row: Sequence[Any]) -> Model:
        values = list(row)
        for i, (col, steps) in enumerate(self.converters):
            for convert in steps:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(
            connection.alias, self.attnames, [values[i] for i in self.positions]
        )
