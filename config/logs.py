"""Log lines as JSON objects, one per line, each with the request id of the request (or
websocket operation) it belongs to: `RANGEBOOK_LOG_FORMAT=text` for plain lines."""

import datetime as dt
import json
import logging
import math

from config.observe import REQUEST_ID, new_request_id

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Lines name no thread or process (the JSON leaves standard attributes out, the text format
# has none): a record need not look them up, a third of the cost of one operation's line.
logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JSONFormatter(logging.Formatter):
    # One encoder for every line: json.dumps() with options builds a new one each call.
    _encode = json.JSONEncoder(default=str, ensure_ascii=False).encode

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._second = (None, "")  # (second, its text): one tuple, swapped whole (threads)

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encode(line)

    def _time(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond; the second's text is made once a second
        (a datetime per line is a fifth of an operation line's cost)."""
        fraction, whole = math.modf(created)  # rounded as datetime.fromtimestamp rounds
        second, micro = divmod(int(whole) * 1_000_000 + round(fraction * 1_000_000), 1_000_000)
        cached, stamp = self._second
        if second != cached:
            stamp = dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, stamp)
        return f"{stamp}.{micro // 1000:03d}+00:00"


def request_id_middleware(get_response):
    """Django's side (the admin, sign-in): a request id for the request's log lines and
    its answer's X-Request-ID, as schema/views.py gives the API's requests."""

    def middleware(request):
        REQUEST_ID.set(new_request_id(request.headers.get("X-Request-ID")))
        response = get_response(request)
        response["X-Request-ID"] = REQUEST_ID.get()
        return response

    return middleware
