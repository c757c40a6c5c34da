"""What a reviewer reads: tasks, migration steps, security review, QA examples, draft PRs."""
