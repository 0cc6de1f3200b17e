"""Log lines as JSON objects, one per line, each with the request id of the request (or
websocket operation) it belongs to: `RANGEBOOK_LOG_FORMAT=text` for plain lines."""

import datetime as dt
import json
import logging

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
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = vars(record).keys() - _STANDARD
        if extra:
            line.update({key: value for key, value in vars(record).items() if key in extra})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def request_id_middleware(get_response):
    """Django's side (the admin, sign-in): a request id for the request's log lines and
    its answer's X-Request-ID, as schema/views.py gives the API's requests."""

    def middleware(request):
        REQUEST_ID.set(new_request_id(request.headers.get("X-Request-ID")))
        response = get_response(request)
        response["X-Request-ID"] = REQUEST_ID.get()
        return response

    return middleware
