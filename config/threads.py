"""Sync database work from async code (websocket operations, subscriptions)."""

from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import close_old_connections


def database_sync_to_async(func: Callable) -> Callable:
    """`func` in a worker thread, with the database connection closed afterwards.

    Websocket operations get no request_finished signal that would close it (the same
    reason Channels has database_sync_to_async).
    """

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)
