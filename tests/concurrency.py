"""Run functions at the same moment in threads of their own (each with its own database
connection), for the tests that prove a row lock or a counter holds under concurrency."""

import threading

from django.db import connections


def run_together(functions):
    """Start every function at once (a barrier); their results, or the exception each raised, in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
