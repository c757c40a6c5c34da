"""One module per `specc` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
