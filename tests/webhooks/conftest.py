import pytest

from tests.conftest import task_worker_fixture
from tests.webhooks.receiver import Receiver

# Three attempts, 1 s apart: a dead delivery within seconds.
task_worker = task_worker_fixture({"RANGEBOOK_WEBHOOK_ATTEMPTS": "3",
                                   "RANGEBOOK_WEBHOOK_BACKOFF": "1"})


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
