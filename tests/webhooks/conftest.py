import pytest

from tests.conftest import running_task_worker
from tests.webhooks.receiver import Receiver


@pytest.fixture(scope="package")
def task_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    # Three attempts, 1 s apart: a dead delivery within seconds.
    env = {"RANGEBOOK_WEBHOOK_ATTEMPTS": "3", "RANGEBOOK_WEBHOOK_BACKOFF": "1"}
    with running_task_worker(django_db_blocker, tmp_path_factory, env) as worker:
        yield worker


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
