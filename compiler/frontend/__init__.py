"""Stage 1-2: read spec files with source spans and validate them against the JSON Schema."""
