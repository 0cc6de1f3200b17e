import pytest

from tests.conftest import running_task_worker


@pytest.fixture(scope="package")
def task_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with running_task_worker(django_db_blocker, tmp_path_factory) as worker:
        yield worker
