"""Benchmark specc's compile, and compare it with fastapi-code-generator.

    python benchmarks/bench.py [--sizes 10,100,1000] [--json results.json]

For the three seed specs and for N synthetic specs (benchmarks/synth.py),
each in a fresh temporary folder, it runs one process per measurement and
records wall time and peak memory (benchmarks/measure.py) of:

- cold:      a full compile, no cache, no output yet;
- no-op:     the same compile again, nothing changed;
- one-spec:  a compile after one spec changed (an endpoint summary of the
             middle spec: its files change, its schema does not);
- check:     `compile --check` of the up-to-date tree (cache and manifest on);
- check-ci:  `compile --check --no-cache`, as a CI job on a fresh checkout.

The peer, fastapi-code-generator, is installed from PyPI into its own venv
(benchmarks/.peer-venv; its pinned dependencies may clash with specc's) and
run, in the same benchmark run, on the `_project/openapi.yaml` that specc
emitted for the same specs.  The ratio is specc's cold full compile (every
target) over the peer's time to generate route stubs alone.  If the peer
cannot be installed or cannot read the document, the output says so and no
ratio is reported.

Both tools run with bytecode caching on (PYTHONDONTWRITEBYTECODE unset), as
in a normal installation, after one warm-up run each that is not measured.
Not part of the test suite: it takes minutes for N = 1,000.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from measure import Measurement, run  # noqa: E402

PEER_PACKAGE = "fastapi-code-generator"
DEFAULT_PEER_VENV = HERE / ".peer-venv"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONHASHSEED", None)
    return env


def specc(*args: str) -> list[str]:
    return [sys.executable, "-m", "compiler", "compile", *args]


def machine() -> dict[str, Any]:
    def sh(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh(["nproc"]),
        "memory": sh(["free", "-h"]).splitlines()[1] if sh(["free", "-h"]) else "?",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
        if Path("/proc/cpuinfo").exists()
        else "?",
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?",
    }


# -- the peer -------------------------------------------------------------------


def peer_command(venv: Path) -> tuple[list[str] | None, str]:
    """The peer's command line, installing it into `venv` if needed; or (None, why not)."""
    exe = venv / "bin" / "fastapi-codegen"
    if not exe.exists():
        try:
            if not (venv / "bin" / "python").exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PEER_PACKAGE], check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            return None, f"could not install {PEER_PACKAGE}: {detail.strip()[-500:]}"
    if not exe.exists():
        return None, f"{PEER_PACKAGE} installed no fastapi-codegen command"
    version = subprocess.run([str(venv / "bin" / "pip"), "show", PEER_PACKAGE], capture_output=True, text=True).stdout
    found = next((line.split(":", 1)[1].strip() for line in version.splitlines() if line.startswith("Version:")), "?")
    return [str(exe)], found


def run_peer(cmd: list[str], openapi: Path, work: Path, env: dict[str, str], label: str) -> Measurement:
    out = work / f"peer-out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    return run(f"peer {label}", cmd + ["--input", str(openapi), "--output", str(out)], work, env)


# -- one project ----------------------------------------------------------------


def _median(label: str, runs: list[Measurement]) -> Measurement:
    """The run with the median wall time (its memory figures come with it)."""
    ordered = sorted(runs, key=lambda m: m.seconds)
    mid = ordered[(len(ordered) - 1) // 2]
    return Measurement(label, mid.seconds, mid.max_rss_kb, mid.tree_rss_kb, max(m.returncode for m in runs), mid.stdout_tail, mid.stderr_tail)


def _fresh(work: Path) -> None:
    shutil.rmtree(work / "snapshots", ignore_errors=True)
    shutil.rmtree(work / ".specc", ignore_errors=True)


def measure_project(
    name: str, work: Path, env: dict[str, str], n: int | None, peer: list[str] | None, repeat: int, repeat_cold: int, ci_check: bool = True
) -> dict[str, Any]:
    """Every measurement for the project in `work/specs` (synthetic when `n` is set).

    Cheap measurements run `repeat` times, the cold ones `repeat_cold` times;
    the table shows the median run, the JSON every run.
    """
    samples: dict[str, list[Measurement]] = {k: [] for k in ("cold", "no-op", "one-spec", "check", "check-ci")}
    for _ in range(repeat_cold):
        _fresh(work)
        m = run("cold", specc(), work, env)
        if m.returncode != 0:
            raise SystemExit(f"{name}: cold compile failed:\n{m.stderr_tail}")
        samples["cold"].append(m)
    files = sum(1 for p in (work / "snapshots").rglob("*") if p.is_file())
    for _ in range(repeat):
        samples["no-op"].append(run("no-op", specc(), work, env))
    changed = ""
    for r in range(repeat):
        if n is not None:
            changed = synth.edit_one(work, n, r + 1)
        else:
            path = work / "specs" / "theme-preference-api.yaml"
            text = path.read_text("utf-8")
            old = "Read the signed-in user's preferences." if r % 2 == 0 else "Read the signed-in user's saved preferences."
            new = "Read the signed-in user's saved preferences." if r % 2 == 0 else "Read the signed-in user's preferences."
            path.write_text(text.replace(old, new), "utf-8")
            changed = "theme-preference-api"
        samples["one-spec"].append(run("one-spec", specc(), work, env))
    for _ in range(repeat):
        samples["check"].append(run("check", specc("--check"), work, env))
    for _ in range(repeat_cold if ci_check else 0):
        samples["check-ci"].append(run("check-ci", specc("--check", "--no-cache"), work, env))
    if not samples["check-ci"]:
        del samples["check-ci"]
    rows = {k: _median(k, v) for k, v in samples.items()}
    for key, m in rows.items():
        if m.returncode != 0:
            raise SystemExit(f"{name}: {key} failed (exit {m.returncode}):\n{m.stderr_tail}")
    result: dict[str, Any] = {
        "name": name,
        "specs": n if n is not None else 3,
        "files": files,
        "changed_spec": changed,
        "specc": {k: m.as_dict() for k, m in rows.items()},
        "specc_runs": {k: [m.as_dict() for m in v] for k, v in samples.items()},
    }
    openapi = work / "snapshots" / "_project" / "openapi.yaml"
    if peer is None:
        result["peer"] = {"status": "not run"}
    elif not openapi.exists():
        result["peer"] = {"status": "specc emitted no _project/openapi.yaml (the openapi target is missing)"}
    else:
        runs = [run_peer(peer, openapi, work, env, name) for _ in range(repeat_cold)]
        m = _median("peer", runs)
        ops = sum(1 for line in openapi.read_text("utf-8").splitlines() if line.lstrip().startswith("operationId: "))
        if m.returncode != 0:
            result["peer"] = {"status": "failed", "detail": m.stderr_tail[-800:], **m.as_dict()}
        else:
            result["peer"] = {"status": "ok", "operations": ops, **m.as_dict()}
            result["peer_runs"] = [r.as_dict() for r in runs]
            result["ratio_cold_vs_peer"] = round(rows["cold"].seconds / m.seconds, 3)
            result["memory_ratio_cold_vs_peer"] = round(rows["cold"].peak_mb / m.peak_mb, 3)
    return result


# -- report ----------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    head = ("project", "specs", "files", "measurement", "seconds", "peak MB")
    rows: list[tuple[str, ...]] = []
    for r in results:
        for key, m in r["specc"].items():
            rows.append((r["name"], str(r["specs"]), str(r["files"]), f"specc {key}", f"{m['seconds']:.3f}", f"{m['peak_mb']:.1f}"))
        peer = r["peer"]
        if peer.get("status") == "ok":
            rows.append((r["name"], str(r["specs"]), "", f"peer route stubs ({peer['operations']} ops)", f"{peer['seconds']:.3f}", f"{peer['peak_mb']:.1f}"))
            rows.append((r["name"], "", "", "ratio specc cold / peer", f"{r['ratio_cold_vs_peer']:.2f}", f"{r['memory_ratio_cold_vs_peer']:.2f}"))
        else:
            rows.append((r["name"], "", "", f"peer: {peer.get('status')}", "-", "-"))
    widths = [max(len(x[i]) for x in rows + [head]) for i in range(len(head))]
    fmt = lambda cells: "| " + " | ".join(c.ljust(widths[i]) if i < 4 else c.rjust(widths[i]) for i, c in enumerate(cells)) + " |"  # noqa: E731
    lines = [fmt(head), "|" + "|".join(("-" * (w + 2)) if i < 4 else ("-" * (w + 1) + ":") for i, w in enumerate(widths)) + "|"]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def goals(results: list[dict[str, Any]]) -> list[str]:
    """The goals of issue 16, each with its verdict and the measured values
    (CI wall time is measured by .ci/run itself, not here)."""
    by = {r["name"]: r for r in results}
    out: list[str] = []

    def verdict(ok: bool | None) -> str:
        return "MET" if ok else "not met" if ok is not None else "not measured"

    seed = by.get("seed")
    if seed:
        ratio = seed.get("ratio_cold_vs_peer")
        out.append(f"seed cold compile, all targets / peer's route stubs <= 0.4: {verdict(ratio <= 0.4 if ratio is not None else None)} (ratio {ratio}, specc {seed['specc']['cold']['seconds']:.3f} s, peer {seed['peer'].get('seconds', '-')} s)")
    big = by.get("n1000")
    if big:
        ratio = big.get("ratio_cold_vs_peer")
        cold = big["specc"]["cold"]["seconds"]
        ok = None if ratio is None else (ratio <= 0.25 and cold < 15)
        out.append(f"1,000 specs cold / peer <= 0.25, and under 15 s: {verdict(ok)} (ratio {ratio}; specc {cold:.2f} s, peer {big['peer'].get('seconds', '-')} s)")
        mem = big.get("memory_ratio_cold_vs_peer")
        out.append(f"peak memory at 1,000 specs / peer <= 0.5: {verdict(mem <= 0.5 if mem is not None else None)} (ratio {mem}; specc {big['specc']['cold']['peak_mb']:.0f} MB, peer {big['peer'].get('peak_mb', '-')} MB)")
        one = big["specc"]["one-spec"]["seconds"]
        out.append(f"one spec changed out of 1,000 < 0.5 s: {verdict(one < 0.5)} ({one:.3f} s)")
        noop = big["specc"]["no-op"]["seconds"]
        out.append(f"no-op at 1,000 specs < 0.1 s: {verdict(noop < 0.1)} ({noop:.3f} s)")
    if big and by.get("n100"):
        t1000, t100 = big["specc"]["cold"]["seconds"], by["n100"]["specc"]["cold"]["seconds"]
        out.append(f"time(1,000) / time(100) <= 10: {verdict(t1000 / t100 <= 10)} ({t1000 / t100:.2f})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="synthetic project sizes (default: 10,100,1000)")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json", help="where to write the results")
    parser.add_argument("--no-seed", action="store_true", help="skip the seed specs")
    parser.add_argument("--no-peer", action="store_true", help="do not run fastapi-code-generator")
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV, help="venv for the peer (created if missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project folders")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cheap measurement; the median is reported (default: 3)")
    parser.add_argument("--repeat-cold", type=int, default=3, help="runs of cold compiles, CI checks and the peer below 1,000 specs (default: 3)")
    parser.add_argument("--ci-check-max", type=int, default=10**9, help="measure check-ci (a cold --check) only up to this many specs")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    env = child_env()
    info = machine()
    peer: list[str] | None = None
    peer_note = "skipped (--no-peer)"
    if not args.no_peer:
        peer, peer_note = peer_command(args.peer_venv)
        if peer is None:
            print(f"PEER NOT RUN: {peer_note}", file=sys.stderr)
    info["peer"] = f"{PEER_PACKAGE} {peer_note}" if peer else peer_note
    results: list[dict[str, Any]] = []
    base = Path(tempfile.mkdtemp(prefix="specc-bench-"))
    try:
        # Warm-up (not measured): compile bytecode for both tools.
        warm = base / "warm"
        shutil.copytree(ROOT / "specs", warm / "specs")
        run("warm-up", specc("--no-cache"), warm, env)
        if peer is not None and (warm / "snapshots" / "_project" / "openapi.yaml").exists():
            run_peer(peer, warm / "snapshots" / "_project" / "openapi.yaml", warm, env, "warm")
        projects: list[tuple[str, int | None]] = ([] if args.no_seed else [("seed", None)]) + [(f"n{n}", n) for n in sizes]
        for name, n in projects:
            work = base / name
            if n is None:
                shutil.copytree(ROOT / "specs", work / "specs")
            else:
                synth.write_project(work, n)
            print(f"... {name}", file=sys.stderr, flush=True)
            cold_runs = args.repeat_cold if (n or 0) < 1000 else 1
            results.append(measure_project(name, work, env, n, peer, args.repeat, cold_runs, (n or 3) <= args.ci_check_max))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept {base}", file=sys.stderr)
    info["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    report = {"machine": info, "results": results, "goals": goals(results)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", "utf-8")
    print(f"{info['date']} | nproc {info['nproc']} | {info['memory']} | Python {info['python']} | load {' '.join(info['loadavg_start'])} -> {' '.join(info['loadavg_end'])}")
    print(f"peer: {info['peer']}\n")
    print(table(results))
    print()
    for line in report["goals"]:
        print(f"- {line}")
    print(f"\nresults: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
