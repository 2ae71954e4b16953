"""Benchmark: ``ce-policy serve`` over loopback against ``ce_policy.evaluate`` in process, in one run.

Run with ``.venv/bin/python bench/bench_serve.py`` (``--requests N`` per configuration, ``--clients N``
concurrent clients, ``--records N`` distinct records). The server is started as a real process (1 worker, then
2 workers) on a free loopback port, without a decision log and without an access log; clients are threads of
this process, each with its own keep-alive connection, posting records of the test population
(``tests/batch_population.py``) to ``POST /v1/decisions?to_complete=false``. The in-process rate is a loop of
``evaluate(record, to_complete=False)`` over the same records, measured in the same run, before and after the
servers (the machine is shared: both figures are printed). Reported: requests/s, p50 and p99 latency, and the
ratio of the in-process rate to the service's. Client and server share the machine's cores, so this is the
cost of HTTP on one box, not a capacity figure for a dedicated host.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.batch_population import population  # noqa: E402
from tests.serve_support import Server  # noqa: E402

import ce_policy  # noqa: E402


def _in_process(records: list[dict[str, object]], count: int) -> tuple[float, float]:
    """Decisions per second, and the median time of one call (ms), evaluating in this process."""
    for record in records:
        ce_policy.evaluate(record, to_complete=False)
    times = []
    start = time.perf_counter()
    for index in range(count):
        began = time.perf_counter()
        ce_policy.evaluate(records[index % len(records)], to_complete=False)
        times.append(time.perf_counter() - began)
    return count / (time.perf_counter() - start), statistics.median(times) * 1000


def _drive(url: str, bodies: list[bytes], clients: int, total: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        own: list[float] = []
        with httpx.Client(base_url=url, timeout=60) as session:
            for step in range(total // clients):
                body = bodies[(step * clients + index) % len(bodies)]
                start = time.perf_counter()
                response = session.post(
                    "/v1/decisions?to_complete=false", content=body, headers={"content-type": "application/json"}
                )
                own.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    records = population(args.records, seed=11)
    bodies = [json.dumps(record).encode() for record in records]
    before, before_p50 = _in_process(records, args.requests)
    print(f"in process (before): {before:,.0f} decisions/s, p50 {before_p50:.2f} ms")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for workers in (1, 2):
            server = Server(["--workers", str(workers)], Path(work))
            try:
                _drive(server.url, bodies, args.clients, min(args.requests, 400))  # warm every worker
                for clients in (1, args.clients):
                    rate, latencies = _drive(server.url, bodies, clients, args.requests)
                    cuts = statistics.quantiles(latencies, n=100)
                    rows.append((workers, clients, rate, statistics.median(latencies) * 1000, cuts[98] * 1000))
            finally:
                server.stop()
    after, after_p50 = _in_process(records, args.requests)
    print(f"in process (after):  {after:,.0f} decisions/s, p50 {after_p50:.2f} ms")
    middle = statistics.mean([before, after])
    print(f"{'workers':>7} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'in-process ÷ HTTP':>18}")
    for workers, clients, rate, p50, p99 in rows:
        print(f"{workers:>7} {clients:>7} {rate:>8,.0f} {p50:>8.2f} {p99:>8.2f} {middle / rate:>18.1f}")


if __name__ == "__main__":
    main()
