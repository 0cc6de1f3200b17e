import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture(scope="package")
def task_worker_env(tmp_path_factory) -> dict:
    # Three attempts, 1 s apart: a dead delivery within seconds.
    return {"RANGEBOOK_MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
            "RANGEBOOK_WEBHOOK_ATTEMPTS": "3", "RANGEBOOK_WEBHOOK_BACKOFF": "1"}


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()
