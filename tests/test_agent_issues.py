"""The Backend Agent's answers to what a new user hits (issue 12): bounded
context, answers that must match a question, honest PR bodies, in-memory
audits, bounded error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.review import markdown as md
from compiler.agent import BackendAgent
from compiler.agent import checks as checks_mod
from tests.agent_fixtures import make_project


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo")


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(project, spec_ids):  # type: ignore[no-untyped-def]
        part = {"success": True, "passed": 3, "failed": 0}
        return {"success": True, "ran": True, "lint": part, "tests": part, "build": part, "message": "green"}

    monkeypatch.setattr(checks_mod, "load_checker", lambda: run)


def agent_at(root: Path) -> BackendAgent:
    return BackendAgent(root, state_dir=root / ".specc")


def confirm(agent: BackendAgent, task: str, context: object = None, checks: bool = False) -> dict:
    started = agent.start_task("alice", task, context)
    assert started["success"], started
    if checks:
        agent.run_checks(started["conversation_id"])
    result = agent.confirm_and_prepare_pr(started["conversation_id"], f"confirm {task}")
    assert result["success"], result
    return result


# -- 12. code spans in the checklist ---------------------------------------------


def test_prose_keeps_code_spans_and_escapes_the_rest() -> None:
    assert md.prose("run `specc checks` first") == "run `specc checks` first"
    assert md.prose("<b> `x` *y*") == "&lt;b&gt; `x` \\*y\\*"
    assert md.prose("one ` tick") == md.text("one ` tick")
    assert md.prose("`a``b`").count("`") >= 4


def test_not_run_checklist_renders_a_code_span(root: Path) -> None:
    body = confirm(agent_at(root), "theme-preference-api")["draft_pr_payload"]["body"]
    assert "run `specc checks` before" in body
    assert "\\`" not in body


# -- 9. bounded echoes -------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda a, big: a.start_task("alice", big),
        lambda a, big: a.run_checks(big),
        lambda a, big: a.confirm_and_prepare_pr(big, "confirm x"),
        lambda a, big: a.start_task("alice", "theme-preference-api", {"answers": {"cache:" + big: "x"}}),
        lambda a, big: a.start_task("alice", "theme-preference-api", {big: 1}),
        lambda a, big: a.start_task("alice", "theme-preference-api", {"caps": {big: "many"}}),
        lambda a, big: a.start_task("alice", "theme-preference-api", {"endpoints": [big]}),
        lambda a, big: a.start_task("alice", "migrations-and-backfills", {"specs": [big]}),
        lambda a, big: a.next_tasks_overview("alice", audit=[{"id": "x", "severity": big, "title": "t"}]),
    ],
)
def test_errors_echo_a_bounded_part_of_huge_input(root: Path, call) -> None:  # type: ignore[no-untyped-def]
    big = "z" * 100_000
    result = call(agent_at(root), big)
    assert result["success"] is False
    text = json.dumps(result)
    assert "z" * 81 not in text, result["message"][:300]
    assert "…" in result["message"]


# -- 7. audits in memory; malformed JSON ----------------------------------------------

FINDINGS = [{"id": "UX-3", "severity": "critical", "title": "Dashboard is empty"}, {"id": "UX-1", "severity": "low", "title": "Theme"}]


@pytest.mark.parametrize("audit", [FINDINGS, {"findings": FINDINGS}, tuple(FINDINGS)])
def test_audit_in_memory_equals_the_file(root: Path, audit: object) -> None:
    path = root / "audit.json"
    path.write_text(json.dumps(FINDINGS))
    agent = agent_at(root)
    from_file = agent.next_tasks_overview("alice", audit=path)
    in_memory = agent.next_tasks_overview("alice", audit=audit)
    assert from_file["success"] and in_memory == from_file


@pytest.mark.parametrize(
    "audit, message",
    [
        ([{"id": "a", "severity": "urgent", "title": "t"}], "finding 1: unknown severity"),
        ([{"id": "a", "title": "t"}], "finding 1: missing severity"),
        ({"nope": []}, "expected a list of findings"),
        (["UX-1"], "expected a list of findings"),
        (42, "expected a file path"),
    ],
)
def test_bad_in_memory_audits_are_reported(root: Path, audit: object, message: str) -> None:
    result = agent_at(root).next_tasks_overview("alice", audit=audit)
    assert result["success"] is False and message in result["message"], result


def test_malformed_json_audit_file_is_a_located_json_error(root: Path) -> None:
    path = root / "audit.json"
    path.write_text('findings:\n  - id: UX-1\n')
    result = agent_at(root).next_tasks_overview("alice", audit=path)
    assert result["success"] is False
    assert f"{path}:1:1: invalid JSON" in result["message"] and "CSV" not in result["message"]


# -- 8. a narrowed view with nothing in it ------------------------------------------------


def test_migrations_view_narrowed_to_a_spec_without_migration_proposes_nothing(root: Path) -> None:
    result = agent_at(root).start_task("alice", "migrations-and-backfills", {"specs": ["dashboard-stats-endpoints"]})
    assert result["success"] is False and result.get("nothing_to_propose") is True
    assert "nothing to propose" in result["message"] and "has a migration" in result["message"]
    # Narrowed to a spec with a migration, it still previews.
    assert agent_at(root).start_task("alice", "migrations-and-backfills", {"specs": ["theme-preference-api"]})["success"]


# -- 3. answers must answer a question; every answer is listed; risk follows the review ----------


def test_an_answer_to_a_question_never_asked_is_an_error(root: Path) -> None:
    result = agent_at(root).start_task("alice", "profile-links-titles", {"answers": {"cache:getProfile": "public, max-age=3600"}})
    assert result["success"] is False
    assert "does not ask" in result["message"] and "cache:getProfile" in result["message"]
    assert "cap:profile_links" in result["message"]  # names the questions it does ask


@pytest.mark.parametrize(
    "context",
    [
        {"caps": {"profile_links": 5}, "max_links": 7},
        {"caps": {"profile_links": 5}, "answers": {"cap:profile_links": 6}},
        {"enums": {"link_type": ["website", "other"]}, "answers": {"enum-values:link_type": ["imdb", "other"]}},
    ],
)
def test_conflicting_answers_are_an_error(root: Path, context: dict) -> None:
    result = agent_at(root).start_task("alice", "profile-links-titles", context)
    assert result["success"] is False and "conflicting answers" in result["message"], result


def test_every_applied_answer_is_in_the_pr_body(root: Path) -> None:
    context = {"answers": {"cache:getDashboardStats": "private, max-age=30", "series:totalEngagement": "no"}}
    body = confirm(agent_at(root), "dashboard-stats-endpoints", context)["draft_pr_payload"]["body"]
    assert "(`cache:getDashboardStats`, `dashboard-stats-endpoints.yaml:" in body and "answered: `private, max-age=30`" in body
    assert "answered: `no`" in body


def test_a_constraint_on_a_value_the_spec_wrote_is_listed(root: Path) -> None:
    # theme's values are written in the spec (no question); a constraint still shows in the body.
    payloads = confirm(agent_at(root), "theme-preference-api", {"enums": {"theme": ["light", "dark"]}})["draft_pr_payloads"]
    assert all("Constraint from the task context on enum 'theme'" in p["body"] and "answered: `light, dark`" in p["body"] for p in payloads)


def test_context_round_trips_through_its_stored_form() -> None:
    from compiler.agent.context import parse

    raw = {"caps": {"profile_links": 5}, "enums": {"link_type": ["a"]}, "answers": {"cache:x": "private"}}
    ctx = parse(raw)
    assert ctx.as_dict() == raw and parse(ctx.as_dict()) == ctx


def test_pr_risk_is_never_lower_than_the_security_review(root: Path) -> None:
    spec = root / "specs" / "dashboard-stats-endpoints.yaml"
    text = spec.read_text()
    marker = "    # No cache block:"
    assert marker in text
    spec.write_text(text.replace(marker, "    cache:\n      control: public, max-age=3600\n" + marker, 1))
    payload = confirm(agent_at(root), "dashboard-stats-endpoints")["draft_pr_payload"]
    assert "Security review: 1 high" in payload["body"]
    assert "Risk: **high**." in payload["body"] and "Risk: **low**" not in payload["body"]


# -- 2. caps from context are bounded like caps in a spec ----------------------------------


@pytest.mark.parametrize(
    "context, message",
    [
        ({"max_links": 1_000_000_000}, "max must be at most 10000, not 1000000000"),
        ({"max_links": 100}, "max 100 can never be the limit: the unique index (user_id, position) allows only 100 rows"),
        ({"caps": {"profile_links": 0}}, "max must be at least 1, not 0"),
    ],
)
def test_caps_from_context_are_validated_before_any_preview(root: Path, context: dict, message: str) -> None:
    result = agent_at(root).start_task("alice", "profile-links-titles", context)
    assert result["success"] is False and "preview" not in result
    assert any(d["code"] == "E212" and message in d["message"] for d in result["diagnostics"]), result
    assert agent_at(root).start_task("alice", "profile-links-titles", {"max_links": 99})["success"]


# -- 10. a patch makes `specc compile --check` green ----------------------------------------------


def _add_extra_spec(specs: Path) -> None:
    text = (specs / "theme-preference-api.yaml").read_text()
    for old, new in (
        ("id: theme-preference-api", "id: extra"), ("theme:", "accent:"), ("/api/me/preferences", "/api/me/accent"),
        ("users.theme", "users.accent"), ("enum: theme", "enum: accent"), ("getPreferences", "getAccent"), ("updatePreferences", "updateAccent"),
    ):  # fmt: skip
        text = text.replace(old, new)
    (specs / "extra.yaml").write_text(text)


@pytest.mark.parametrize("task", ["extra", "migrations-and-backfills"])
def test_patch_applied_to_a_fresh_copy_makes_compile_check_green(root: Path, tmp_path: Path, task: str) -> None:
    import shutil
    import subprocess
    import sys

    _add_extra_spec(root / "specs")
    target = tmp_path / "clone"
    shutil.copytree(root, target)  # the repository as CI sees it: new spec, old snapshots
    (target / "snapshots" / "orphan.txt").write_text("left over\n")
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    agent = agent_at(root)
    conv = agent.start_task("alice", task)["conversation_id"]
    patch = tmp_path / "out.patch"
    result = agent.confirm_and_prepare_pr(conv, f"confirm {task}", patch=patch, patch_repo=target)
    assert result["success"], result
    applied = subprocess.run(["git", "apply", "--whitespace=error", str(patch)], cwd=target, capture_output=True, text=True)
    assert applied.returncode == 0 and applied.stderr == "", applied.stderr
    check = subprocess.run([sys.executable, "-m", "compiler", "compile", "--check"], cwd=target, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]


# -- 11. the README's agent example runs as written -------------------------------------------------


def test_readme_agent_example_audit_ships_and_orders_the_seed_tasks(root: Path) -> None:
    from tests.agent_fixtures import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    assert "specc tasks --audit examples/ux-audit.csv" in readme
    assert "c-1a2b3c4d5e6f7a8b" not in readme  # no made-up conversation id
    result = agent_at(root).next_tasks_overview("alice", audit=REPO / "examples" / "ux-audit.csv")
    assert result["success"], result
    assert result["tasks"][0]["id"] == "dashboard-stats-endpoints"
    assert [f["id"] for f in result["unaddressed_findings"]] == ["UX-NAV"]
