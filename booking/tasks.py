"""Background work of the booking domain, run by procrastinate's worker (PostgreSQL is the
queue: jobs are rows, deferred in the transaction of the change that causes them).

`manage.py procrastinate worker` runs them; `make demo` starts one beside the server
(config/serve.py).
"""

import logging

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from booking.notifications import booking_notify_customer
from booking.services import booking_expire_stale_holds

logger = logging.getLogger(__name__)

# Holds expire within this many seconds of their expiry: a 6-field cron: the sixth is seconds.
HOLD_SWEEP_CRON = "* * * * * */5"


@app.periodic(cron=HOLD_SWEEP_CRON, periodic_id="holds")
# One sweep waits in the queue at most: a worker that was down does not come back to a
# backlog of identical sweeps.
@app.task(queue="holds", queueing_lock="booking.expire_holds", pass_context=False)
def expire_holds(timestamp: int) -> int:
    """Mark every hold past its expiry as expired; returns how many (one UPDATE)."""
    count = booking_expire_stale_holds()
    if count:
        logger.info("expired %d hold(s)", count)
    return count


# A mail server that is down for a while: retried after 2, 4, 8 ... s, 10 attempts (about
# 17 minutes in all), then the job stays failed for the operator.
NOTIFY_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@app.task(name="booking.notify_customer", queue="notifications", retry=NOTIFY_RETRY,
          pass_context=False)
def notify_customer(event_id: int) -> str | None:
    """E-mail the customer the notice an audit event of their booking calls for (deferred
    by the bookingevent_notice trigger in the transaction of the change, with the lock
    `booking:<id>`: one booking's notices go out in the order of its changes)."""
    return booking_notify_customer(event_id=event_id)
