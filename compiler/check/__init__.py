"""`specc check`: prove the generated code works (lint, build, migrate, contract tests)."""
