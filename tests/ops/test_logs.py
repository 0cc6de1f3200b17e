import datetime as dt
import json
import logging

from hypothesis import given
from hypothesis import strategies as st

from config.logs import JSONFormatter


def _line(formatter: JSONFormatter, created: float, **extra) -> dict:
    record = logging.LogRecord("rangebook.test", logging.INFO, __file__, 1, "said %s", ("hi",),
                               None)
    record.created = created
    record.__dict__.update(extra)
    return json.loads(formatter.format(record))


@given(st.lists(st.floats(min_value=0, max_value=4_102_444_800), min_size=1, max_size=20))
def test_time_is_datetimes_iso_text_to_the_millisecond(instants):
    formatter = JSONFormatter()  # one formatter: the second's text is reused across lines

    times = [_line(formatter, created)["time"] for created in instants]

    assert times == [dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds")
                     for created in instants]


def test_line_has_the_standard_keys_and_the_extra_ones_only():
    line = _line(JSONFormatter(), 1_700_000_000.25, operation="Resource", error_codes=["x"])

    assert line == {"time": "2023-11-14T22:13:20.250+00:00", "level": "info",
                    "logger": "rangebook.test", "message": "said hi", "operation": "Resource",
                    "error_codes": ["x"]}
