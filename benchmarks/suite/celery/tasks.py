"""The Celery app the benchmark suite measures: the same no-op tasks as celeriac's and BullMQ's.

Broker and result backend are the suite's private Redis (CELERY_BENCH_REDIS), as in the
issue's reference measurement (Redis broker and backend, prefork pool).
"""
import os

from celery import Celery

REDIS_URL = os.environ.get("CELERY_BENCH_REDIS", "redis://127.0.0.1:6379/0")

app = Celery("celeriac_bench", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    # Defaults otherwise: prefetch multiplier 4, acks on receipt, results kept one day.
)


@app.task(name="noop")
def noop(value):
    return value


@app.task(name="sum")
def total(values):
    return sum(values)


@app.task(name="step")
def step(value):
    return value + 1
