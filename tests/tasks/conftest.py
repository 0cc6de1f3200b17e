from tests.conftest import task_worker_fixture

task_worker = task_worker_fixture()
