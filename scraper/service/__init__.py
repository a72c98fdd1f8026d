"""The application layer: every read and write a person or a program can ask for, one function
each, called by the CLI, the dashboard pages, the REST API and the daemon alike.

Each operation owns its transaction (it takes the engine and opens its session) and returns a
pydantic model: the CLI prints it (`--json` is its dump), the pages render it, the API declares it as
its response model. Errors are typed (`scraper.base.errors`: NotFound, Conflict, Invalid with the
field at fault); each face maps them once (`cli.app`, `web.app`) and words them its own way.
`watches` holds the watch operations, `summary` the one watch summary they all show.
"""
