"""Model instances from hand-written SELECTs, for the few statements every API write sends
(the caller's token, the resource booked): building and compiling their ORM queries cost
several times the statements themselves (README, performance). The statements name every
concrete column, so the instances are whole, as the ORM's would be (tests/test_rows.py).
"""

from django.db import connection


def select_list(model, alias: str) -> str:
    """Every concrete column of `model`, qualified by the table alias, in field order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def from_row(model, row, start: int = 0):
    """(`model` instance of the columns of `row` from `start`, in select_list order; the
    index after them), loaded as the ORM loads one (Model.from_db, fields' from_db_value)."""
    fields = model._meta.concrete_fields
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row[start:start + len(fields)], strict=True)
    ]
    instance = model.from_db(connection.alias, [field.attname for field in fields], values)
    return instance, start + len(fields)
