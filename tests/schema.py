"""The schema a database really has, read back through SQLAlchemy's inspector, in a form
two databases can be compared with (migration round trips)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection


def schema_of(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every table with its columns, keys, indexes and constraints (alembic_version aside)."""
    found = inspect(connection)
    tables: dict[str, dict[str, Any]] = {}
    for table in sorted(found.get_table_names()):
        if table == "alembic_version":
            continue
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ],
            "primary_key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in found.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"], ix["column_names"], bool(ix["unique"]))
                for ix in found.get_indexes(table)
            ),
            "unique": sorted(
                (uq["name"], uq["column_names"]) for uq in found.get_unique_constraints(table)
            ),
            "checks": sorted(str(ck["sqltext"]) for ck in found.get_check_constraints(table)),
        }
    return tables
