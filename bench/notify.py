"""What background work costs a booking, and how fast the worker gets through it.

    .venv/bin/python -m bench.notify [--database-name rangebook_bench] [--bookings 300]

1. `book` latency, in process (booking_book: the service's statements and its Python),
   with the triggers that queue work turned off, with the customer's notice, and with the
   notice and one webhook endpoint: rounds of each in turn, so that the machine's noise
   falls on all three alike; medians and their ratios.
2. The worker's throughput: the jobs queued by the bookings of (1), drained by one
   `manage.py procrastinate worker` (notices to the file e-mail backend, webhooks to a
   receiver on loopback), jobs a second.

Bookings go to a venue of their own (created once) in the bench database; they are
cancelled afterwards (never deleted), so runs can repeat.
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.api import bench_database_url

ROUNDS = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-name", default="rangebook_bench")
    parser.add_argument("--bookings", type=int, default=300, help="per variant")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database_url(args.database_name)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["RANGEBOOK_MAIL_DIR"] = tempfile.mkdtemp(prefix="rangebook-bench-mail-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args.bookings)


def run(per_variant: int) -> None:
    from tests.webhooks.receiver import Receiver

    receiver = Receiver().start()
    room, customer = _fixture()
    _clear_queue()
    slots = _slots(room)
    times = {"no queued work": [], "notice": [], "notice + 1 webhook": []}
    per_round = per_variant // ROUNDS
    for _ in range(ROUNDS):
        for variant in times:
            with _variant(variant, receiver.url):
                for _ in range(per_round):
                    times[variant].append(_book(room, customer, next(slots)))
    base = statistics.median(times["no queued work"])
    print(f"book, in process, {per_round * ROUNDS} bookings per variant in {ROUNDS} rounds:")
    for variant, values in times.items():
        median = statistics.median(values)
        print(f"  {variant:<20} median {median * 1000:6.2f} ms  p95 "
              f"{_p95(values) * 1000:6.2f} ms  {median / base:5.3f}x")
    notices, webhooks = _count("booking.notify_customer"), _count("webhooks.deliver")
    queued = notices + webhooks
    print(f"queued: {notices} notices, {webhooks} webhook deliveries; draining with one worker")
    seconds = _drain(queued)
    print(f"worker: {queued} jobs in {seconds:.1f} s = {queued / seconds:.0f} jobs/s "
          f"({receiver.received.qsize()} webhooks received)")
    _cancel_all(room)
    receiver.stop()


def _fixture():
    from django.contrib.auth import get_user_model
    from django.db.backends.postgresql.psycopg_any import NumericRange

    from booking.models import Category, Resource, Venue

    venue, _ = Venue.objects.get_or_create(
        slug="bench-notify", defaults={"name": "Bench Notify Hall", "city": "Berlin",
                                       "country": "DE", "timezone": "Europe/Berlin"})
    category, _ = Category.objects.get_or_create(slug="bench-notify",
                                                 defaults={"name": "Bench notify"})
    room, created = Resource.objects.get_or_create(
        venue=venue, slug="bench-notify-room",
        defaults={"name": "Bench Notify Room", "category": category,
                  "capacity": NumericRange(1, 10, "[)"), "horizon": dt.timedelta(days=3650),
                  "min_notice": dt.timedelta(0), "max_length": dt.timedelta(hours=24),
                  "slot_step": dt.timedelta(minutes=30)})
    if created:
        _open_all_week(room)
    customer, _ = get_user_model().objects.get_or_create(
        username="bench-notify", defaults={"email": "bench-notify@example.com"})
    return room, customer


def _open_all_week(room) -> None:
    from django.db.backends.postgresql.psycopg_any import DateRange, NumericRange

    from booking.models import OpeningHours

    OpeningHours.objects.bulk_create(
        OpeningHours(resource=room, weekday=day, valid_during=DateRange(None, None, "[)"),
                     hours=NumericRange(0, 1440, "[)")) for day in range(1, 8))


def _slots(room):
    """Consecutive free half hours after the room's last booking."""
    from django.db.models import Max
    from django.db.models.functions import Upper
    from django.utils import timezone

    from booking.models import Booking

    last = Booking.objects.filter(resource=room).aggregate(end=Max(Upper("period")))["end"]
    start = max(last or timezone.now(), timezone.now()) + dt.timedelta(days=1)
    start = start.replace(minute=0, second=0, microsecond=0)
    while True:
        yield start, start + dt.timedelta(minutes=30)
        start += dt.timedelta(minutes=30)


def _book(room, customer, slot) -> float:
    from booking.services import booking_book

    started = time.perf_counter()
    booking_book(resource=room, customer=customer, party_size=2, starts_at=slot[0],
                 ends_at=slot[1])
    return time.perf_counter() - started


class _variant:
    """Triggers of the variant: the notice's (pgtrigger) and an active endpoint or not."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __enter__(self):
        from webhooks.models import Endpoint

        endpoint, _ = Endpoint.objects.get_or_create(name="bench-notify",
                                                     defaults={"url": self.url})
        Endpoint.objects.filter(pk=endpoint.pk).update(
            url=self.url, is_active=self.name == "notice + 1 webhook")
        if self.name == "no queued work":
            _notice_trigger("DISABLE")
        return self

    def __exit__(self, *exc):
        from webhooks.models import Endpoint

        _notice_trigger("ENABLE")
        Endpoint.objects.filter(name="bench-notify").update(is_active=False)


def _notice_trigger(state: str) -> None:
    """On or off for every session (bench database only): pgtrigger.ignore() would add a
    statement parameter to each of the services' statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE"
                       " 'pgtrigger_bookingevent_notice_%%'")
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE booking_bookingevent {state} TRIGGER "{name}"')


def _clear_queue() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name IN"
                       " ('booking.notify_customer', 'webhooks.deliver')")


def _queued(statuses=("todo",)) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status::text = ANY(%s)"
                       " AND task_name IN ('booking.notify_customer', 'webhooks.deliver')",
                       [list(statuses)])
        return cursor.fetchone()[0]


def _count(task: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s"
                       " AND status = 'todo'", [task])
        return cursor.fetchone()[0]


def _drain(queued: int) -> float:
    root = Path(__file__).resolve().parent.parent
    from config.loopback import WORKER

    worker = subprocess.Popen([sys.executable, *WORKER], cwd=root, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        started = None
        while (pending := _queued(("todo", "doing"))):
            if started is None and pending < queued:
                started = time.perf_counter()  # the worker is up and taking jobs
            time.sleep(0.05)
        return time.perf_counter() - (started or time.perf_counter())
    finally:
        worker.terminate()
        worker.wait(30)


def _cancel_all(room) -> None:
    from booking.models import Booking, BookingStatus

    Booking.objects.filter(resource=room, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CANCELLED)


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


if __name__ == "__main__":
    main()
