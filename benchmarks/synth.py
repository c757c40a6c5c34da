"""Synthetic specs of realistic size for the benchmark.

Each generated spec looks like the seed specs: one or two enums, a child table
of `users` (with a URL column, an enum column, a cap and timestamps), an events
table that points at it, sometimes a new column on `users`, metrics over the
events, and two or three endpoints (read, partial update, stats).  Specs come
in "areas" of ten; a spec depends on the previous spec of its area (and its
table references that spec's table), so `depends_on` chains are realistic:
short, and local.  Every name is prefixed with the spec's number, so specs
never collide in project-wide outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

AREA = 10

# The base schema the seed specs build on; the generator copies it.
SEED_BASE = Path(__file__).resolve().parent.parent / "specs" / "base" / "schema.sql"


def spec_id(i: int) -> str:
    """Kebab-case id of spec number `i`, e.g. `area-03-feature-0031`."""
    return f"area-{i // AREA:03d}-feature-{i:04d}"


def _p(i: int) -> str:
    return f"f{i:04d}"


def spec_text(i: int, variant: str = "") -> str:
    """The YAML text of synthetic spec `i`.

    `variant` is spliced into one endpoint summary, so the benchmark can make
    a one-spec edit that changes the API description but not the schema.
    """
    p = _p(i)
    dep = i - 1 if i % AREA else None
    lines = [
        "spec: 1",
        f"id: {spec_id(i)}",
        f"title: Synthetic feature {i} with items, events and stats",
        "priority: " + ("high", "medium", "low")[i % 3],
        "motivation: >-",
        f"  Feature {i} lets a signed-in user keep an ordered list of items with",
        "  validated links, and see how often the items were opened.",
    ]
    if dep is not None:
        lines.append(f"depends_on: [{spec_id(dep)}]")
    lines += [
        "coordination:",
        f'  - title: "Frontend: screens for feature {i}"',
        f"    url: https://github.com/example/frontend/pull/{1000 + i}",
        f"enables: [UX-{p.upper()}]",
        "",
        "enums:",
        f"  {p}_kind: [website, video, document, other]",
        f"  {p}_range: [7d, 30d, 90d]",
        "",
        "tables:",
    ]
    adds_user_column = i % 5 == 0
    if adds_user_column:
        lines += [
            "  users:",
            "    add:",
            f"      {p}_note:",
            "        type: string",
            "        max: 200",
            "        nullable: true",
            f"        description: A note the user keeps for feature {i}.",
        ]
    lines += [
        f"  {p}_items:",
        "    columns:",
        "      id: {type: id}",
        "      user_id: {type: ref, to: users, on_delete: cascade, nullable: false}",
    ]
    if dep is not None:
        lines.append(f"      parent_id: {{type: ref, to: {_p(dep)}_items, on_delete: set null, nullable: true}}")
    lines += [
        "      label: {type: string, min: 1, max: 80, nullable: false, description: Text shown for the item.}",
        "      url:",
        "        type: url",
        "        schemes: [http, https]",
        "        max: 2048",
        "        nullable: false",
        "        description: Absolute http(s) URL, normalised before it is stored.",
        "        hosts:",
        "          by: kind",
        "          allow:",
        "            video: [youtube.com, vimeo.com]",
        f"      kind: {{type: enum, enum: {p}_kind, nullable: false}}",
        "      position: {type: int, min: 0, max: 99, nullable: false, description: Order of the item.}",
        "      pinned: {type: bool, nullable: false, default: false}",
        "    timestamps: true",
        "    indexes:",
        "      - {columns: [user_id, position], unique: true}",
        f"    cap: {{per: user_id, max: {10 + i % 15}}}",
        f"  {p}_opens:",
        "    columns:",
        "      id: {type: id}",
        f"      item_id: {{type: ref, to: {p}_items, on_delete: cascade, nullable: false}}",
        "      opened_at: {type: timestamp, nullable: false, default: now}",
        "",
        "metrics:",
        f"  {p}Opens:",
        "    definition: >-",
        f"      Number of times any of the user's feature {i} items was opened in the window.",
        "    series: " + ("true" if i % 2 else "false"),
        "    count:",
        f"      - {{table: {p}_opens, time: opened_at, owner: user_id, via: {{column: item_id, table: {p}_items}}}}",
        f"  {p}Added:",
        "    count:",
        f"      - {{table: {p}_items, time: created_at, owner: user_id}}",
        "",
        "endpoints:",
        f"  get{p.capitalize()}Items:",
        "    method: GET",
        f"    path: /api/{p}/items",
        f"    summary: Read the signed-in user's feature {i} items{variant}.",
        "    response:",
    ]
    if adds_user_column:
        lines.append(f"      note: users.{p}_note")
    lines += [
        f"      items: {{list: {p}_items, fields: [id, label, url, kind, position, pinned], order_by: position}}",
        f"  update{p.capitalize()}Items:",
        "    method: PATCH",
        f"    path: /api/{p}/items",
        f"    summary: Replace the signed-in user's feature {i} items.",
        "    request:",
    ]
    if adds_user_column:
        lines.append(f"      note: users.{p}_note")
    lines += [
        f"      items: {{list: {p}_items, fields: [label, url, kind, position, pinned], required: true}}",
        "    response:",
    ]
    if adds_user_column:
        lines.append(f"      note: users.{p}_note")
    lines.append(f"      items: {{list: {p}_items, fields: [id, label, url, kind, position, pinned], order_by: position}}")
    if i % 2 == 0:
        lines += [
            f"  get{p.capitalize()}Stats:",
            "    method: GET",
            f"    path: /api/{p}/stats",
            f"    summary: Opens and additions of feature {i} items over a window.",
            "    query:",
            "      range:",
            f"        enum: {p}_range",
            "        default: 7d",
            "        description: The window, ending now.",
            "        window_days: {7d: 7, 30d: 30, 90d: 90}",
            "    response:",
            "      range: {query: range}",
            f"      opens: {{metric: {p}Opens}}",
            f"      added: {{metric: {p}Added}}",
            "    cache: {control: 'private, max-age=60', vary: [Authorization]}",
        ]
    return "\n".join(lines) + "\n"


def write_project(root: Path, n: int) -> Path:
    """Write `n` synthetic specs plus the seed base schema under `root/specs`."""
    specs = root / "specs"
    (specs / "base").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEED_BASE, specs / "base" / "schema.sql")
    for i in range(n):
        (specs / f"{spec_id(i)}.yaml").write_text(spec_text(i), "utf-8")
    return specs


def edit_one(root: Path, n: int, round_: int) -> str:
    """Change one endpoint summary of the middle spec; returns its id."""
    i = n // 2
    path = root / "specs" / f"{spec_id(i)}.yaml"
    path.write_text(spec_text(i, variant=f" (revision {round_})"), "utf-8")
    return spec_id(i)
