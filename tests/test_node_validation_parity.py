"""The node target's validation runtime (targets/node/runtime/validation.js)
gives the same answers as the Python runtime the FastAPI routes use
(snapshots/specc_app/runtime/validation.py): for every URL and body below,
the same normalised value or the same errors (path, code and message).

A differential test: the inputs include the contract cases of every URL
class plus hosts chosen to reach each branch of the host rules (scripts,
IDNA, look-alikes, ports, percent escapes).  Needs node; under CI=true or
SPECC_REQUIRE_ENGINES=1 a missing node fails instead of skipping.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from compiler.ir import Column
from targets.fastapi import contract_cases as cases
from tests.conftest import ROOT
from tests.engines.conftest import engines_required

RUNTIME_JS = ROOT / "targets" / "node" / "runtime" / "validation.js"
RUNTIME_PY = ROOT / "snapshots" / "specc_app" / "runtime" / "validation.py"

HOSTS = [
    "https://example.com/a", "https://EXAMPLE.com:443/x", "http://example.com:80", "https://example.com:08443/",
    "https://example.com:0/", "https://example.com:65536/", "https://example.com:/", "https://bücher.example/a",
    "https://xn--bcher-kva.example/a", "https://xn--abc.example/", "https://xn--bcher-kva/a", "https://ab--cd.example/",
    "https://-a.example/", "https://a-.example/", "https://" + "a" * 64 + ".example/", "https://example/", "https://.example.com/",
    "https://example..com/", "https://example.com./a", "https://1.2.3.4/", "https://[::1]/", "https://example.123/",
    "https://аpple.com/", "https://аррlе.рф/", "https://пример.рф/", "https://пример.com/", "https://例え.jp/",
    "https://例え.テスト/", "https://한국.kr/", "https://faß.de/", "https://ς.gr/", "https://ｅｘａｍｐｌｅ.com/",
    "https://example。com/", "https://exam\u0301ple.com/", "https://ex\u0131mple.com/", "https://éxample.com/",
    "https://ǅexample.com/", "https://ex_ample.com/", "https://ex!ample.com/", "https://user@example.com/",
    "https://example.com/a b", "https://example.com/%zz", "https://example.com/%41", "https://example.com/ü?q=ä#ö",
    "HTTPS://Example.COM/Path", "ftp://example.com/", "javascript:alert(1)", " javascript:alert(1)", "java\u200bscript:x",
    "data:text/plain,x", "mailto:a@example.com", "https:example.com", "//example.com", "https://", "https://example.com\u0000",
    "https://example.com/\u202e", "https://exa\u00admple.com/", "https://ex\u200dample.com/", "https://ⅷ.example/",
    "https://٣.example/", "https://a.b.c.d.example.co.uk/", "https://xn--80ak6aa92e.com/", "https://xn--e1afmkfd.xn--p1ai/",
]


def _python_runtime() -> ModuleType:
    spec = importlib.util.spec_from_file_location("specc_parity_validation", RUNTIME_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if engines_required():
            pytest.fail("node is not installed (required here: CI=true or SPECC_REQUIRE_ENGINES=1)", pytrace=False)
        pytest.skip("node is not installed")
    return node


def _js(node: str, tmp: Path, calls: list[dict[str, Any]]) -> list[Any]:
    runner = tmp / "run.mjs"
    runner.write_text(
        f"import * as v from {json.dumps(RUNTIME_JS.as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        "const calls = JSON.parse(readFileSync(process.argv[2], 'utf8'));\n"
        "const out = calls.map((c) => {\n"
        "  try {\n"
        "    if (c.url !== undefined) return { ok: v.normalizeUrl(c.url, { schemes: c.schemes, maxLength: c.max }) };\n"
        "    return { ok: v.validateBody(c.rules, JSON.parse(c.body)) };\n"
        "  } catch (err) {\n"
        "    if (!(err instanceof v.ValidationFailed)) throw err;\n"
        "    return { errors: err.errors.map((e) => [e.path, e.code, e.message]) };\n"
        "  }\n"
        "});\n"
        "process.stdout.write(JSON.stringify(out));\n",
        "utf-8",
    )
    data = tmp / "calls.json"
    data.write_text(json.dumps(calls), "utf-8")
    done = subprocess.run([node, str(runner), str(data)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result: list[Any] = json.loads(done.stdout)
    return result


def _py(runtime: ModuleType, call: dict[str, Any]) -> Any:
    try:
        if "url" in call:
            return {"ok": runtime.normalize_url(call["url"], schemes=tuple(call["schemes"]), max_length=call["max"])}
        return {"ok": runtime.validate_body(call["rules"], json.loads(call["body"]))}
    except runtime.ValidationFailed as failed:
        return {"errors": [[e.path, e.code, e.message] for e in failed.errors]}


def test_urls_normalise_and_fail_alike(tmp_path: Path) -> None:
    node = _node()
    runtime = _python_runtime()
    column = Column("link", "url", max_length=60, schemes=("http", "https"))
    urls = list(HOSTS)
    for case in cases.url_cases(column)[0] + cases.url_cases(column)[1]:
        v = case.value.value if isinstance(case.value, cases.Rep) else case.value
        if isinstance(v, str):
            urls.append(v)
    calls = [{"url": u, "schemes": ["http", "https"], "max": 60} for u in urls]
    js = _js(node, tmp_path, calls)
    differ = [(c["url"], _py(runtime, c), j) for c, j in zip(calls, js, strict=True) if _py(runtime, c) != j]
    assert not differ, "\n".join(f"{u!r}: python {p} node {j}" for u, p, j in differ)


def test_bodies_fail_alike(tmp_path: Path) -> None:
    node = _node()
    runtime = _python_runtime()
    rules = {
        "name": {"kind": "string", "required": True, "nullable": False, "min_length": 2, "max_length": 5},
        "level": {"kind": "int", "required": False, "nullable": True, "minimum": 0, "maximum": 9},
        "on": {"kind": "bool", "required": False, "nullable": True},
        "tier": {"kind": "enum", "required": False, "nullable": False, "values": ["a", "b"]},
        "links": {
            "kind": "list", "required": False, "nullable": False, "table": "links", "unique": [["url"]],
            "items": {
                "type": {"kind": "enum", "required": True, "nullable": False, "values": ["imdb", "other"]},
                "url": {"kind": "url", "required": True, "nullable": False, "min_length": None, "max_length": 100,
                        "schemes": ["https"], "hosts": [["type", "imdb", ["imdb.com"]]]},
            },
        },
    }
    bodies = [
        '{"name": "ab"}', '{}', '[]', '"x"', 'null', '{"name": "a"}', '{"name": "abcdef"}', '{"name": "\\ud83d\\ude00\\ud83d\\ude00"}',
        '{"name": "a\\u0000b"}', '{"name": "a\\ud800b"}', '{"name": 1}', '{"name": null}', '{"name": "ab", "x": 1}',
        '{"name": "ab", "__proto__": 1}', '{"name": "ab", "level": 9.0}', '{"name": "ab", "level": 1.5}', '{"name": "ab", "level": true}',
        '{"name": "ab", "level": -1}', '{"name": "ab", "level": 10}', '{"name": "ab", "level": null}', '{"name": "ab", "on": 1}',
        '{"name": "ab", "tier": "A"}', '{"name": "ab", "tier": null}', '{"name": "ab", "links": {}}', '{"name": "ab", "links": [1]}',
        '{"name": "ab", "links": [{"type": "imdb", "url": "https://www.imdb.com/x"}]}',
        '{"name": "ab", "links": [{"type": "imdb", "url": "https://imdb.com.evil.com/x"}]}',
        '{"name": "ab", "links": [{"type": "other", "url": "https://a.example/x"}, {"type": "other", "url": "HTTPS://A.example/x"}]}',
        '{"name": "ab", "links": [{"type": "other"}, {"url": "http://a.example/"}]}',
    ]
    calls = [{"rules": rules, "body": b} for b in bodies]
    js = _js(node, tmp_path, calls)
    differ = [(c["body"], _py(runtime, c), j) for c, j in zip(calls, js, strict=True) if _py(runtime, c) != j]
    assert not differ, "\n".join(f"{b}: python {p} node {j}" for b, p, j in differ)
