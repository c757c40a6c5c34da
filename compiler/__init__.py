"""specc: a declarative spec compiler for safe backend changes.

The layout is the pipeline:

    frontend/   load YAML with source spans, validate against the JSON Schema
    lower/      semantic checks and lowering into the IR (`ir.py`); `project.py`
                orders and lowers every spec against `base/` (the existing schema)
    emit.py     the driver: every registered target over the IR -> a file tree
    build/      around the driver: content-hash cache, no-op manifest, writer
    safety/     what must hold before anything is written (lint, released)
    review/     what a reviewer reads: tasks, plans, security review, draft PRs
    check/      `specc check`: lint, build, migrate and test the generated code
    agent/      the Backend Agent's four methods over the same pipeline
    cli/        the `specc` command, one module per subcommand

`diagnostics.py` is shared by every stage: a user error is data, never a
traceback.  Concrete targets live in the top-level `targets` package.
"""

__version__ = "0.1.0"
