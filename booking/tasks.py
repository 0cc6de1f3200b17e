"""Background work of the booking domain, run by procrastinate's worker (PostgreSQL is the
queue: jobs are rows, deferred in the transaction of the change that causes them).

`manage.py procrastinate worker` runs them; `make demo` starts one beside the server
(config/serve.py).
"""

import logging

from procrastinate.contrib.django import app

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
