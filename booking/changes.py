"""Booking changes of resources for subscribers: missed ones replayed, then live ones.

Every change carries a `cursor`. A subscriber that resumes `after` the highest cursor it
received first gets the changes it missed, read from the audit trail, then live ones,
with no gap and no duplicate: the live feed (booking/listener.py) is joined before the
audit trail is read, and live changes that the replay already delivered are dropped. A
subscriber too slow for the live feed catches up the same way, transparently.

Cursors are the audit events' serial ids, drawn when a change is written, while changes
arrive in commit order: a transaction that drew a lower cursor but committed later (two
writers of the same instant; writers of one resource mostly queue on its advisory lock)
is still delivered live, after the higher one, never dropped. Only a subscriber that
disconnects in that sub-millisecond interval and resumes from the higher cursor misses
it; a commit-ordered cursor would close that gap too.

If the database goes away, a subscription waits for the listener to reconnect (at most
booking.listener.READY_TIMEOUT, then `feed_unavailable`) and resumes from the audit trail
after its last cursor. A cursor the audit trail does not hold is `unknown_cursor`.
"""

from collections.abc import AsyncGenerator

from psycopg.types.range import Range

from booking.errors import BookingError
from booking.listener import Change, FeedUnavailable, latest_cursor, listener, read_changes
from config.threads import database_sync_to_async

REPLAY_PAGE = 500
# A cursor further behind the newest change than this is refused rather than replayed
# (the replay scans every change after it): the subscriber should reload and start anew.
MAX_LAG = 100_000


class ChangeFeedError(BookingError):
    """The changes cannot be delivered from this cursor, or live, now."""


async def booking_changes(*, resource_ids: list[int],
                          after: int | None) -> AsyncGenerator[Change, None]:
    """Changes of the resources after cursor `after` (None: from now on), replayed then live.

    Raises ChangeFeedError (`unknown_cursor`, `cursor_too_old`, `feed_unavailable`).
    """
    last = after
    while True:
        try:
            async with listener().subscribe(resource_ids) as live:
                replayed = set()
                if last is None:
                    last = await database_sync_to_async(latest_cursor)()
                else:
                    async for change in _replay(resource_ids, last):
                        yield change
                        replayed.add(change.cursor)
                        last = change.cursor
                async for change in live:
                    # Not `cursor <= last`: that would drop a late commit of a lower cursor.
                    if change.cursor not in replayed:
                        yield change
                        last = max(last, change.cursor)
        except FeedUnavailable:
            raise ChangeFeedError("Live updates are unavailable; subscribe again later.",
                                  code="feed_unavailable") from None
        # The live feed lost changes (this subscriber lagged, or the LISTEN connection
        # dropped): catch up from the audit trail and join the feed again.


async def _replay(ids: list[int], after: int) -> AsyncGenerator[Change, None]:
    first = True
    while True:
        page = await database_sync_to_async(_backlog)(ids, after, check_lag=first)
        for change in page:
            yield change
            after = change.cursor
        if len(page) < REPLAY_PAGE:
            return
        first = False


def _backlog(ids: list[int], after: int, *, check_lag: bool) -> list[Change]:
    if check_lag:
        _check_cursor(after, latest_cursor())
    return read_changes(resource_ids=ids, after=after, limit=REPLAY_PAGE)


def _check_cursor(after: int, latest: int) -> None:
    if after > latest:
        # Never handed out, or lost with the database (a restore from a backup; a crash
        # cannot lose one: commits are durable before NOTIFY delivers them).
        raise ChangeFeedError("No change has this cursor: reload, then subscribe without "
                              "`after`.", code="unknown_cursor", field="after")
    if latest - after > MAX_LAG:
        raise ChangeFeedError("This cursor is too old to resume from; reload and subscribe "
                              "without `after`.", code="cursor_too_old", field="after")


def change_touches(change: Change, *, resource_id: int, window: Range) -> bool:
    """Whether the change took or freed time of the resource inside the window."""
    return ((change.resource_id == resource_id and _overlaps(change.blocked, window))
            or (change.previous_resource_id == resource_id
                and _overlaps(change.previous_blocked, window)))


def _overlaps(value: Range | None, window: Range) -> bool:
    # Both [) (booking_period_shape): `&&` without the bound cases.
    return value is not None and value.lower < window.upper and window.lower < value.upper
