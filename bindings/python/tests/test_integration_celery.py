"""outbox.integrations.celery with a real Celery worker (prefork pool, a
filesystem broker in a temporary folder), events checked at the test
receiver."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from celery import Celery
from conftest import wait_until

TASKS = """
import os
import outbox
from celery import Celery
from outbox.integrations.celery import setup

folder = os.environ["BROKER_FOLDER"]
app = Celery("tasks", broker="filesystem://", broker_transport_options={{
    "data_folder_in": folder, "data_folder_out": folder, "polling_interval": 0.05}})
# Configured before the pool forks; a long interval so that only the hooks deliver.
outbox.configure(os.environ["RECEIVER_URL"], flush_interval=60)
setup(flush_after_task={flush_after_task})

@app.task
def buy(user):
    outbox.track(user, "Order Completed")
"""


class Worker:
    def __init__(self, folder, receiver_url: str, flush_after_task: bool, *options: str) -> None:
        broker = folder / "broker"
        broker.mkdir()
        (folder / "tasks.py").write_text(TASKS.format(flush_after_task=flush_after_task))
        env = dict(os.environ, BROKER_FOLDER=str(broker), RECEIVER_URL=receiver_url)
        cmd = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=prefork", *options]
        cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]
        self.proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.sender = Celery(broker="filesystem://")
        self.sender.conf.broker_transport_options = {"data_folder_in": str(broker), "data_folder_out": str(broker)}

    def buy(self, *users: str) -> None:
        for user in users:
            self.sender.send_task("tasks.buy", args=[user])


@pytest.fixture
def start_worker(tmp_path, receiver):
    workers = []

    def start(flush_after_task: bool, *options: str) -> Worker:
        workers.append(Worker(tmp_path, receiver.url, flush_after_task, *options))
        return workers[-1]

    yield start
    # Killed: Celery's warm shutdown waits seconds for the pool, and the
    # tests below do not need it.
    for worker in workers:
        worker.proc.kill()
        worker.proc.wait()


def users(receiver) -> list[str]:
    return sorted(e["userId"] for e in receiver.events())


def test_each_task_end_delivers_what_the_task_tracked(start_worker, receiver):
    worker = start_worker(True, "--concurrency=2")
    worker.buy("u1", "u2", "u3")
    # Delivered while the worker runs, long before the 60 s flush interval.
    assert wait_until(lambda: users(receiver) == ["u1", "u2", "u3"], timeout=20)


def test_a_pool_child_that_exits_delivers_what_its_tasks_queued(start_worker, receiver):
    # One child that exits after three tasks, as at a warm shutdown: through
    # os._exit, which skips atexit, so only worker_process_shutdown delivers.
    worker = start_worker(False, "--concurrency=1", "--max-tasks-per-child=3")
    worker.buy("u1", "u2", "u3")
    assert wait_until(lambda: users(receiver) == ["u1", "u2", "u3"], timeout=20)
