"""CLI commands: one module per area, each exposing `register(cli)` (see hub.cli)."""
