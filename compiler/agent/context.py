"""The `context` a user passes to `start_task`: narrowing, constraints, answers, files.

The brief's inputs are "task directive + optional constraints (e.g., enum
values, max links)" and "optional file paths for models/routes/schema".  A
context is either a list of file paths, or an object with any of:

- `files`: repository files (models, routes, schema) for the agent to read;
- `endpoints`: operationIds to keep (narrows a spec task);
- `specs`: spec ids to keep (narrows a view task);
- `enums`: `{enum: [values]}`, e.g. `{"link_type": ["website", "imdb"]}`;
- `caps`: `{table: max rows per owner}`; `max_links`: the cap of the links table;
- `answers`: `{question key: answer}` for the open questions a preview lists,
  e.g. `{"cache:getDashboardStats": "private, max-age=30"}`;
- `repository`: a checkout of the target repository, read for the answers it
  already gives (see `repo_answers`), which replace the brief's defaults.

Constraints are applied to the spec documents before validation, so a bad
value gets the same checks (and errors) as if it were written in the spec.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from compiler.agent.echo import cut, names, shown
from compiler.diagnostics import Diagnostic
from compiler.frontend.document import Document
from compiler.lower.questions import DEFAULT_ENUMS

_KEYS = ("files", "endpoints", "specs", "enums", "caps", "max_links", "answers", "repository")
_ANSWER_KINDS = ("enum-values", "cap", "cache", "definition", "series", "not-null", "placement")
MAX_CONTEXT_BYTES = 64 * 1024


class ContextError(Exception):
    """The context is malformed or names something the task does not have."""


@dataclass(frozen=True)
class Context:
    """A parsed, canonical context (stored with the conversation, hashed for staleness)."""

    files: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    specs: tuple[str, ...] = ()
    answers: tuple[tuple[str, Any], ...] = ()
    # The keys of `answers` given as answers (the rest came from the
    # constraints enums/caps/max_links): each must answer a question asked.
    asked: tuple[str, ...] = ()
    repository: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.files:
            out["files"] = list(self.files)
        if self.endpoints:
            out["endpoints"] = list(self.endpoints)
        if self.specs:
            out["specs"] = list(self.specs)
        if self.repository:
            out["repository"] = self.repository
        # Each answer under the key it was given with, so parse(as_dict()) is the same context.
        for k, v in self.answers:
            kind, _, name = k.partition(":")
            if k in self.asked:
                out.setdefault("answers", {})[k] = v
            elif kind == "enum-values":
                out.setdefault("enums", {})[name] = v
            elif k == "cap:*links*":
                out["max_links"] = v
            elif kind == "cap":
                out.setdefault("caps", {})[name] = v
            else:
                out.setdefault("answers", {})[k] = v
        return out

    def answer(self, key: str) -> Any:
        for k, v in self.answers:
            if k == key:
                return v
        return None


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ContextError(f"context {what} must be a list of non-empty strings")
    return tuple(dict.fromkeys(value))


def parse(raw: Any) -> Context:
    """Parse a context given as None, a JSON string, a list of paths or an object."""
    if raw is None or raw == "" or raw == {}:
        return Context()
    if isinstance(raw, str):
        if len(raw.encode("utf-8")) > MAX_CONTEXT_BYTES:
            raise ContextError(f"context is larger than {MAX_CONTEXT_BYTES} bytes")
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ContextError(f"context is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(raw, list):
        return Context(files=_str_list(raw, "(a list)"))
    if not isinstance(raw, dict):
        raise ContextError("context must be an object or a list of file paths")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ContextError(f"unknown context key(s) {names(unknown)}; known: {', '.join(_KEYS)}")
    answers: dict[str, Any] = {}
    for key, value in (raw.get("answers") or {}).items():
        kind, sep, name = str(key).partition(":")
        if not sep or kind not in _ANSWER_KINDS or not name:
            raise ContextError(f"answers: unknown question key {shown(key)}; keys look like {', '.join(k + ':NAME' for k in _ANSWER_KINDS)}")
        answers[key] = value
    if "answers" in raw and not isinstance(raw["answers"], dict):
        raise ContextError("context answers must be an object of question key -> answer")
    enums = raw.get("enums") or {}
    if not isinstance(enums, dict):
        raise ContextError("context enums must be an object of enum name -> list of values")
    asked = tuple(answers)

    def constraint(key: str, value: Any, where: str) -> None:
        if key in answers:
            raise ContextError(f"conflicting answers: {cut(key)} is given both in answers and as {cut(where)}; give it once")
        answers[key] = value

    for name, values in enums.items():
        constraint(f"enum-values:{name}", list(_str_list(values, f"enums.{name}")), f"enums.{name}")
    caps = raw.get("caps") or {}
    if not isinstance(caps, dict):
        raise ContextError("context caps must be an object of table -> maximum")
    for table, value in caps.items():
        constraint(f"cap:{table}", value, f"caps.{table}")
    if raw.get("max_links") is not None:
        constraint("cap:*links*", raw["max_links"], "max_links")
    for key, value in answers.items():
        if key.startswith("cap:") and (isinstance(value, bool) or not isinstance(value, int)):
            raise ContextError(f"{cut(key)}: the cap must be a whole number, not {shown(value)}")
    repository = raw.get("repository")
    if repository is not None and (not isinstance(repository, str) or not repository.strip()):
        raise ContextError("context repository must be the path of a checkout (a non-empty string)")
    return Context(
        repository=repository or "",
        files=_str_list(raw["files"], "files") if "files" in raw else (),
        endpoints=_str_list(raw["endpoints"], "endpoints") if "endpoints" in raw else (),
        specs=_str_list(raw["specs"], "specs") if "specs" in raw else (),
        answers=tuple(sorted(answers.items())),
        asked=tuple(sorted(asked)),
    )


@dataclass
class PendingQuestion:
    """A question with no safe default: the task cannot be previewed until it is answered."""

    key: str
    spec: str
    question: str
    where: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return {"default": None, "hint": self.hint, "key": self.key, "question": self.question, "spec": self.spec, "where": self.where}


def _as_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "series", "1"):
        return True
    if text in ("no", "false", "total", "total only", "0"):
        return False
    raise ContextError(f"{cut(key)}: answer yes (a per-day series) or no (total only), not {shown(value)}")


@dataclass
class Overlay:
    """Applies a context to the spec documents of a task, before validation.

    Records which answers applied (an answer nothing used is an error: it
    most likely has a typo) and which questions have no safe default.
    """

    context: Context
    spec_ids: tuple[str, ...]
    used: set[str] = field(default_factory=set)
    pending: list[PendingQuestion] = field(default_factory=list)
    # Keys of the questions with no safe default, before any answer applied.
    no_default: set[str] = field(default_factory=set)

    def __call__(self, doc: Document) -> list[Diagnostic]:
        data = doc.data
        sid = data.get("id") if isinstance(data, dict) else None
        if sid not in self.spec_ids:
            return []
        # Work on a copy: Document.data is also what spans were recorded for.
        data = copy.deepcopy(data)
        self._narrow(data)
        self.no_default.update(q.key for q in self._pending(doc, data))
        self._answers(data)
        self.pending += self._pending(doc, data)
        doc.data = data
        return []

    def _narrow(self, data: dict[str, Any]) -> None:
        if not self.context.endpoints:
            return
        endpoints = data.get("endpoints") or {}
        keep = [op for op in self.context.endpoints if op in endpoints]
        self.used.update(f"endpoint:{op}" for op in keep)
        data["endpoints"] = {op: endpoints[op] for op in endpoints if op in keep}

    def _answers(self, data: dict[str, Any]) -> None:
        capped: dict[str, str] = {}
        for key, value in self.context.answers:
            kind, _, name = key.partition(":")
            if kind == "enum-values" and name in (data.get("enums") or {}):
                values = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
                data["enums"][name] = values
            elif kind == "cap":
                tables = data.get("tables") or {}
                names = [t for t in tables if isinstance(tables[t], dict) and "cap" in tables[t]]
                names = [t for t in names if ("link" in t if name == "*links*" else t == name)]
                if not names:
                    continue
                for t in names:
                    if t in capped:
                        raise ContextError(f"conflicting answers: the cap of {cut(t)} is given by both {cut(capped[t])} and {cut(key)}; give it once")
                    capped[t] = key
                    tables[t]["cap"] = {**tables[t]["cap"], "max": value}
            elif kind == "cache" and name in (data.get("endpoints") or {}):
                ep = data["endpoints"][name]
                ep["cache"] = {"control": str(value), **({"vary": ["Authorization"]} if "private" in str(value) else {})}
            elif kind in ("definition", "series") and name in (data.get("metrics") or {}):
                metric = data["metrics"][name]
                if kind == "definition":
                    metric["definition"] = str(value)
                else:
                    metric["series"] = _as_bool(value, key)
            elif kind == "placement":
                # Where a column lives is recorded by the agent (the spec says
                # where it adds it); nothing in the document changes.
                if not isinstance(value, str) or not value.strip():
                    raise ContextError(f"{cut(key)}: answer with the table.column to use, not {shown(value)}")
            elif kind == "not-null":
                table, _, col = name.partition(".")
                add = ((data.get("tables") or {}).get(table) or {}).get("add") or {}
                if col not in add:
                    continue
                text = str(value).strip()
                if text == "nullable":
                    add[col]["nullable"] = True
                elif text.startswith("default:"):
                    literal = text[len("default:") :].strip()
                    try:
                        add[col]["default"] = json.loads(literal)
                    except json.JSONDecodeError:
                        add[col]["default"] = literal
                else:
                    raise ContextError(f"{cut(key)}: answer 'nullable' or 'default:<value>', not {shown(value)}")
            else:
                continue
            self.used.add(key)

    def _pending(self, doc: Document, data: dict[str, Any]) -> list[PendingQuestion]:
        found: list[PendingQuestion] = []
        sid = str(data.get("id"))
        for name, values in (data.get("enums") or {}).items():
            if values is None and name not in DEFAULT_ENUMS:
                found.append(
                    PendingQuestion(
                        f"enum-values:{name}",
                        sid,
                        f"Which values are allowed for enum '{name}'? specc has no safe default for it.",
                        str(doc.key_span(("enums", name))),
                        f'answer with context {{"enums": {{"{name}": ["a", "b"]}}}}',
                    )
                )
        for table, raw in (data.get("tables") or {}).items():
            for col, craw in ((raw or {}).get("add") or {}).items() if isinstance(raw, dict) else ():
                if isinstance(craw, dict) and craw.get("nullable") is False and "default" not in craw:
                    found.append(
                        PendingQuestion(
                            f"not-null:{table}.{col}",
                            sid,
                            f"Column {table}.{col} is NOT NULL without a default on an existing table: existing rows have no value. Make it nullable, or which default should they get?",
                            str(doc.key_span(("tables", table, "add", col))),
                            f'answer with context {{"answers": {{"not-null:{table}.{col}": "nullable"}}}} or "default:<value>"',
                        )
                    )
        return found

    def check_used(self) -> None:
        """Raise ContextError for answers and endpoints that applied to nothing."""
        unused = [cut(k) for k, _ in self.context.answers if k not in self.used]
        unused += [f"endpoint {shown(op)}" for op in self.context.endpoints if f"endpoint:{op}" not in self.used]
        if unused:
            raise ContextError(f"context does not apply to task specs {', '.join(self.spec_ids)}: {', '.join(unused)}")
