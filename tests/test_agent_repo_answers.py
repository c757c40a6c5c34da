"""Repository-aware questions (compiler/agent/repo_answers.py): with a checkout in the
context, a question the repository already answers quotes its file and line and defaults
to the repository's answer; the user's answer still wins; without such files, the brief's
defaults stand.  The fixture tests/fixtures/valine_repo is a few files shaped like Valine's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.agent import BackendAgent
from compiler.agent.repo_answers import RepositoryFacts
from compiler.review import markdown as md
from tests.agent_fixtures import make_project

FIXTURE = Path(__file__).parent / "fixtures" / "valine_repo"
HANDLERS = "serverless/src/handlers/profiles.js"
SCHEMA = "serverless/prisma/schema.prisma"
TASK = "profile-links-titles"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


@pytest.fixture()
def agent(tmp_path: Path) -> BackendAgent:
    root = make_project(tmp_path / "project")
    return BackendAgent(root, state_dir=root / ".specc")


def questions(result: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    assert result["success"], result
    return {q["key"]: q for q in result["preview"]["questions"]}


def test_the_readers_find_valines_answers_with_file_and_line() -> None:
    facts = RepositoryFacts(FIXTURE)
    cap = facts.cap("profile_links")
    assert cap is not None and cap.value == 20
    assert cap.where == f"{HANDLERS}:{line_of(FIXTURE / HANDLERS, 'const MAX_PROFILE_LINKS')}"
    assert cap.excerpt == "const MAX_PROFILE_LINKS = 20;"
    types = facts.enum_values("link_type")
    assert types is not None and types.value == ("website", "imdb", "showreel", "other")
    title = facts.column_elsewhere("users", "title")
    # Script also has a title, but only Profile belongs to User one-to-one (userId @unique).
    assert title is not None and (title.table, title.column) == ("profiles", "title")
    assert title.where == f"{SCHEMA}:{line_of(FIXTURE / SCHEMA, 'title       String?')}"
    assert facts.cap("reading_lists") is None and facts.column_elsewhere("users", "displayName") is None


def test_the_cap_question_quotes_the_repository_and_defaults_to_its_value(agent: BackendAgent) -> None:
    plain = questions(agent.start_task("ana", TASK))
    assert plain["cap:profile_links"]["default"] == "10" and "repository" not in plain["cap:profile_links"]
    result = agent.start_task("ana", TASK, {"repository": str(FIXTURE)})
    q = questions(result)["cap:profile_links"]
    where = f"{HANDLERS}:{line_of(FIXTURE / HANDLERS, 'const MAX_PROFILE_LINKS')}"
    assert where in q["question"] and "the brief's default: 10" in q["question"]
    assert q["default"] == "20" and q["answered"] is False
    assert q["repository"] == {"file": HANDLERS, "line": int(where.rpartition(":")[2]), "excerpt": "const MAX_PROFILE_LINKS = 20;"}
    # The default is applied, not only shown: the generated validators cap at 20.
    validators = next(f["diff"] for f in result["preview"]["files"] if f["path"].endswith("profile_links_titles/validators.py"))
    assert "20" in validators


def test_the_title_question_quotes_schema_prisma(agent: BackendAgent) -> None:
    q = questions(agent.start_task("ana", TASK, {"repository": str(FIXTURE)}))["placement:users.title"]
    line = line_of(FIXTURE / SCHEMA, "title       String?")
    assert f"{SCHEMA}:{line}" in q["question"] and "profiles" in q["question"]
    assert q["default"].startswith("profiles.title") and q["repository"]["line"] == line


def test_link_types_from_the_code_are_proposed(agent: BackendAgent, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    js = repo / HANDLERS
    js.write_text(js.read_text("utf-8").replace("'showreel', 'other'", "'showreel', 'spotlight', 'other'"), "utf-8")
    result = agent.start_task("ana", TASK, {"repository": str(repo)})
    q = questions(result)["enum-values:link_type"]
    assert q["default"] == "website, imdb, showreel, spotlight, other"
    assert f"{HANDLERS}:{line_of(js, 'VALID_LINK_TYPES =')}" in q["question"]
    schema = next(f["diff"] for f in result["preview"]["files"] if f["path"].endswith("updateProfile.request.json"))
    assert '"spotlight"' in schema


def test_an_answer_overrides_the_repository(agent: BackendAgent) -> None:
    context = {"repository": str(FIXTURE), "max_links": 5, "enums": {"link_type": ["website", "imdb", "other"]}, "answers": {"placement:users.title": "users.title"}}
    q = questions(agent.start_task("ana", TASK, context))
    assert q["cap:profile_links"]["answered"] and q["cap:profile_links"]["answer"] == "5"
    assert "repository" not in q["cap:profile_links"]
    assert q["enum-values:link_type"]["answer"] == "website, imdb, other"
    assert q["placement:users.title"]["answered"] and q["placement:users.title"]["answer"] == "users.title"


def test_a_repository_without_those_files_keeps_the_briefs_defaults(agent: BackendAgent, tmp_path: Path) -> None:
    (tmp_path / "empty" / "src").mkdir(parents=True)
    (tmp_path / "empty" / "src" / "index.js").write_text("export const MAX_RETRIES = 3;\n", "utf-8")
    q = questions(agent.start_task("ana", TASK, {"repository": str(tmp_path / "empty")}))
    assert q["cap:profile_links"]["default"] == "10" and "placement:users.title" not in q
    assert q["enum-values:link_type"]["default"] == "website, imdb, showreel, other"
    assert not any("repository" in x for x in q.values())


def test_a_missing_repository_and_an_unasked_placement_are_errors(agent: BackendAgent, tmp_path: Path) -> None:
    result = agent.start_task("ana", TASK, {"repository": str(tmp_path / "nope")})
    assert not result["success"] and "does not exist" in result["message"]
    result = agent.start_task("ana", TASK, {"answers": {"placement:users.title": "users.title"}})
    assert not result["success"] and "does not ask" in result["message"]


def test_quoted_lines_are_escaped_in_the_pr_body(agent: BackendAgent, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    js = repo / HANDLERS
    hostile = "const MAX_PROFILE_LINKS = 20; // <img src=x onerror=alert(1)> `x` [a](javascript:b)"
    js.write_text(js.read_text("utf-8").replace("const MAX_PROFILE_LINKS = 20;", hostile), "utf-8")
    conv = agent.start_task("ana", TASK, {"repository": str(repo)})
    q = questions(conv)["cap:profile_links"]
    assert q["default"] == "20" and q["repository"]["excerpt"] == hostile
    result = agent.confirm_and_prepare_pr(conv["conversation_id"], f"confirm {TASK}")
    body = result["draft_pr_payload"]["body"]
    section = body.split("## Open questions and defaults applied")[1]
    # The quoted line is a code span nothing inside can close (literal text, no HTML, no link).
    quoted = md.code(hostile)
    assert quoted in section and "``" in quoted
    assert "<img" not in section.replace(quoted, "") and "](javascript:" not in section.replace(quoted, "")
    assert md.code(f"{HANDLERS}:{line_of(js, 'const MAX_PROFILE_LINKS')}") in section


def test_the_scan_is_deterministic_and_reads_nothing_outside(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    outside = tmp_path / "outside.js"
    outside.write_text("const MAX_PROFILE_LINKS = 99;\n", "utf-8")
    (repo / "src").mkdir()
    (repo / "src" / "linked.js").symlink_to(outside)
    a = RepositoryFacts(repo)
    b = RepositoryFacts(repo)
    assert a.cap("profile_links") == b.cap("profile_links") and a.cap("profile_links").value == 20  # type: ignore[union-attr]
    assert json.dumps(a.enum_values("link_type").as_dict()) == json.dumps(b.enum_values("link_type").as_dict())  # type: ignore[union-attr]


def test_the_cli_takes_the_repository_and_prints_the_quote(tmp_path: Path) -> None:
    from tests.test_agent_cli import specc

    root = make_project(tmp_path / "project")
    done = specc(root, "start", TASK, "--no-diff", "--repository", str(FIXTURE), "--context", '{"max_links": 7}')
    assert done.returncode == 0, done.stderr
    line = line_of(FIXTURE / SCHEMA, "title       String?")
    assert f"repository: {SCHEMA}:{line}: title       String?" in done.stdout
    assert "answered: 7" in done.stdout  # the context's answer wins over the repository's 20
    as_json = json.loads(specc(root, "start", TASK, "--format", "json", "--repository", str(FIXTURE)).stdout)
    assert as_json["preview"]["context"]["repository"] == str(FIXTURE)
    assert {q["key"]: q["default"] for q in as_json["preview"]["questions"]}["cap:profile_links"] == "20"
