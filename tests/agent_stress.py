"""The threaded stress run of the four agent methods (run by
tests/test_agent_threads.py in a fresh interpreter, so the first imports of
black, sqlglot and FastAPI happen inside the threads, as in a server).

Usage: python -m tests.agent_stress ROOT THREADS ROUNDS; prints one JSON summary.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from compiler.agent import BackendAgent

TASKS = ("theme-preference-api", "dashboard-stats-endpoints", "theme-preference-api")


def main(root: Path, threads: int, rounds: int) -> dict[str, Any]:
    agent = BackendAgent(root, state_dir=root / ".specc")
    results: list[dict[str, Any]] = []
    errors: list[str] = []
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        task = TASKS[n % len(TASKS)]
        try:
            start.wait()
            for r in range(rounds):
                overview = agent.next_tasks_overview(f"user{n}")
                started = agent.start_task(f"user{n}", task)
                checks = agent.run_checks(started["conversation_id"]) if started.get("success") else {}
                pr = agent.confirm_and_prepare_pr(started.get("conversation_id", ""), f"confirm {task}")
                bad = [
                    f"{part}: {c['name']}: {c['detail']}"
                    for part in ("lint", "build", "tests")
                    for c in (checks.get(part) or {}).get("checks", [])
                    # a kind declared "not checked" (Markdown) is a skip the report names, not a problem
                    if c.get("status") != "passed" and not c["name"].startswith(("contract: (none)", "not checked: "))
                ]
                results.append(
                    {
                        "thread": n,
                        "round": r,
                        "task": task,
                        "overview": overview.get("success"),
                        "start": started.get("success"),
                        "checks": checks.get("success"),
                        "message": checks.get("message"),
                        "bad": bad,
                        "pr": pr.get("success"),
                    }
                )
        except BaseException as exc:  # the test reports it; a thread must not die silently
            import traceback

            errors.append(f"thread {n}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    final = agent.next_tasks_overview("observer")
    statuses = {t["id"]: t["status"] for t in final.get("tasks", [])}
    return {"results": results, "errors": errors, "statuses": statuses}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
