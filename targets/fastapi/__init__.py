"""The Python/FastAPI family: validators, routes, contract tests, backfill scripts."""
