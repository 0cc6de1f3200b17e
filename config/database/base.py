"""Django's PostgreSQL backend, with sessions checked as they leave psycopg's pool.

psycopg_pool's own check (Django's CONN_HEALTH_CHECKS) finds a restarted server's dead
sessions one at a time, and sleeps 1 s, 2 s, ... between them: with three or more in the
pool, a request waited past the pool's timeout and failed although the server was back.
Here the first dead session found drains the pool (every idle session is replaced at
once), so after a restart only the requests in flight fail.
"""

import psycopg
from django.db.backends.postgresql import base

ATTEMPTS = 3  # sessions tried for one request before its error goes up


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        for attempt in range(ATTEMPTS):
            connection = super().get_new_connection(conn_params)
            if self.pool is None:
                return connection
            try:
                connection.execute("")  # one round trip, as psycopg_pool's check
                return connection
            except psycopg.Error:
                self.pool.putconn(connection)  # broken: the pool discards it
                if attempt == ATTEMPTS - 1:
                    raise
                self.pool.drain()  # its siblings are as dead: replace them all now
        raise AssertionError("unreachable")
