"""What the CLI commands and the web dashboard / REST API both do: one function behind each view.

Each function takes a session (or an engine) and returns the JSON-shaped data a `--json` command
prints; the CLI draws it for a terminal, the dashboard renders it to HTML, the API returns it.
"""
