"""Built-in clarifying questions and the defaults specc applies for them.

The brief lists what an agent must ask before it guesses: allowed link types,
the per-user link cap, the definition of engagement, the response shape, and
the Cache-Control value for stats.  When a spec leaves one of these open,
lowering applies the default below and records an `OpenQuestion`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinQuestion:
    """A question specc knows to ask, with the default it applies meanwhile."""

    key: str
    question: str
    default: str


LINK_TYPES = ("website", "imdb", "showreel", "other")
DEFAULT_CAP = 10
STATS_CACHE_CONTROL = "private, max-age=60"
STATS_VARY = ("Authorization",)
# Personal data behind auth must not be stored by shared caches by default.
PRIVATE_CACHE_CONTROL = "no-store"

# Enums whose values specc can default when a spec writes `name: ~`.
DEFAULT_ENUMS: dict[str, tuple[str, ...]] = {"link_type": LINK_TYPES}

ENUM_VALUES = BuiltinQuestion(
    "enum-values",
    "Which values are allowed for enum '{name}'?",
    "{values}",
)
CAP = BuiltinQuestion(
    "cap",
    "How many {table} rows may one {per} have at most?",
    str(DEFAULT_CAP),
)
CACHE = BuiltinQuestion(
    "cache",
    "Which Cache-Control header should {method} {path} send?",
    f"Cache-Control: {STATS_CACHE_CONTROL}; Vary: {', '.join(STATS_VARY)}",
)
DEFINITION = BuiltinQuestion(
    "definition",
    "What exactly does metric '{name}' count?",
    "{derived}",
)
SERIES = BuiltinQuestion(
    "series",
    "Should metric '{name}' return a per-day series, or only the total?",
    "total only (no series)",
)
