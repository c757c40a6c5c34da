"""Where a compile's time and memory go, stage by stage.

    python benchmarks/stages.py --specs 1000 --json benchmarks/results/stages.json
    python benchmarks/stages.py --seed

Runs `specc compile` on a project (the bundled seed specs, or
`benchmarks/synth.py`'s N synthetic specs) twice: cold (no output, no cache)
and after one edit of the middle spec's endpoint summary (the benchmark's
"one-spec" case), each compile in a fresh process of its own (imports
included, as on the command line).  Around each stage of the compile it records the
process's CPU time (`time.process_time`, which a loaded machine inflates far
less than wall time; the CPU of child processes, the parallel render's workers
and ruff, is counted apart, from `RUSAGE_CHILDREN`), wall time and resident memory (VmRSS and its
high-water mark VmHWM from /proc, Linux only).

The stages are the compile command's own calls, wrapped here, not changed:
load (read, validate, lower), per-spec entries (cache or render), ruff (one
format of every module rendered now), tree (project files, then the PR
target over the tree), guard (safety lint, released migrations), write, and
the cache flush.  What is left of the total is imports, the no-op check,
the manifest and the summary table.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

STAGES = (
    ("load", "compiler.cli.commands.compile", "load_project"),
    ("per-spec entries", "compiler.build.render_cache", "_spec_entries"),
    ("ruff", "compiler.build.render_cache", "format_files"),
    ("tree (project files, PR)", "compiler.build.render_cache", "assemble"),
    ("guard", "compiler.safety.guards", "guard"),
    ("write", "compiler.build.writer", "write_tree"),
)


def _memory() -> dict[str, int]:
    found = {"VmRSS": 0, "VmHWM": 0}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in found:
                    found[key] = int(value.split()[0]) // 1024
    except OSError:
        pass
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Recorder:
    """Totals per stage for one compile."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            cpu, wall, children = time.process_time(), time.perf_counter(), _children_cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                row = self.rows.setdefault(label, {"cpu_s": 0.0, "wall_s": 0.0, "workers_cpu_s": 0.0, "rss_mb_after": 0, "hwm_mb_after": 0})
                row["cpu_s"] += time.process_time() - cpu
                row["wall_s"] += time.perf_counter() - wall
                row["workers_cpu_s"] += _children_cpu() - children
                mem = _memory()
                row["rss_mb_after"], row["hwm_mb_after"] = mem["VmRSS"], mem["VmHWM"]

        return timed


def _install(recorder: Recorder) -> list[tuple[Any, str, Any]]:
    import importlib

    from compiler.build import incremental

    undo: list[tuple[Any, str, Any]] = []
    for label, module_name, name in STAGES:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        undo.append((module, name, original))
        setattr(module, name, recorder.wrap(label, original))
    flush = incremental.CompileCache.flush
    undo.append((incremental.CompileCache, "flush", flush))
    incremental.CompileCache.flush = recorder.wrap("cache flush", flush)  # type: ignore[method-assign]
    return undo


def compile_once(work: Path) -> dict[str, Any]:
    """One `specc compile` of `work/specs` in this process, with its stages."""
    from compiler.cli import main
    from compiler.cli.commands import compile as compile_command

    recorder = Recorder()
    undo = _install(recorder)
    # The compile command trusts its no-op manifest only when stage 4 is its
    # own; the wrappers leave stage 4 as it is, so say so.
    compile_command._RENDER_TREE = compile_command.render_tree
    cwd = os.getcwd()
    cpu, wall, children = time.process_time(), time.perf_counter(), _children_cpu()
    try:
        os.chdir(work)
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                code = main(["compile"])
            finally:
                sys.stdout = stdout
    finally:
        os.chdir(cwd)
        for owner, name, original in undo:
            setattr(owner, name, original)
    total = {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "workers_cpu_s": _children_cpu() - children}
    import compiler

    return {"exit": code, "stages": recorder.rows, "total": total, "memory_mb": _memory(), "compiler": str(Path(compiler.__file__).parent)}


def _in_child(work: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, __file__, "--child", str(work)], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the measured compile failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _table(title: str, result: dict[str, Any]) -> str:
    lines = [f"{title} (exit {result['exit']})", "", "| stage | CPU s | children's CPU s (render workers, ruff) | wall s | RSS after MB | peak so far MB |", "| --- | --: | --: | --: | --: | --: |"]
    for label, row in result["stages"].items():
        lines.append(f"| {label} | {row['cpu_s']:.3f} | {row['workers_cpu_s']:.3f} | {row['wall_s']:.3f} | {row['rss_mb_after']} | {row['hwm_mb_after']} |")
    staged = sum(r["cpu_s"] for r in result["stages"].values())
    total = result["total"]
    lines.append(f"| rest (imports, no-op check, manifest, summary) | {total['cpu_s'] - staged:.3f} | | | | |")
    lines.append(f"| **total** | {total['cpu_s']:.3f} | {total['workers_cpu_s']:.3f} | {total['wall_s']:.3f} | | {result['memory_mb']['VmHWM']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--specs", type=int, help="compile N synthetic specs (benchmarks/synth.py)")
    which.add_argument("--seed", action="store_true", help="compile the bundled specs/")
    which.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args(argv)
    from compiler.cli import quiet_gc

    quiet_gc()
    if args.child is not None:
        print(json.dumps(compile_once(args.child)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="specc-stages-"))
    try:
        if args.seed:
            shutil.copytree(ROOT / "specs", work / "specs")
            edit = None
        else:
            synth.write_project(work, args.specs)
            edit = args.specs
        results = {"cold": _in_child(work)}
        if edit is not None:
            synth.edit_one(work, edit, 1)
        else:
            spec = sorted((work / "specs").glob("*.yaml"))[0]
            spec.write_text(spec.read_text("utf-8").replace("summary: ", "summary: (edited) ", 1), "utf-8")
        results["one-spec"] = _in_child(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    project = "seed" if args.seed else f"{args.specs} synthetic specs"
    load = os.getloadavg()
    print(f"{project}; compiler from {results['cold']['compiler']}; load average {load[0]:.2f}")
    for name, result in results.items():
        print()
        print(_table(f"{name}, {project}", result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"project": project, "load_average": load, **results}, indent=2, sort_keys=True) + "\n", "utf-8")
    return 0 if all(r["exit"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
