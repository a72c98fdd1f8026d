"""`scraper serve` and `scraper token create|list|revoke`: the dashboard and its API tokens."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from scraper.base.errors import InputError
from scraper.base.terminal import safe
from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import err, out, print_json
from scraper.config.settings import load_settings

token_app = typer.Typer(help="Bearer tokens for the REST API (stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command("serve", epilog=examples(
    "scraper serve                      # http://127.0.0.1:8000/",
    "scraper serve --with-scheduler     # and check the watches in the same process",
    "SCRAPER_ADMIN_PASSWORD=... scraper serve --host 0.0.0.0 --port 8080",
))
def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                             help="Address to listen on (beyond loopback: only with "
                                  "SCRAPER_ADMIN_PASSWORD set)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, metavar="PORT",
                             help="Port (0: a free one)."),
    with_scheduler: bool = typer.Option(False, "--with-scheduler",
                                        help="Also run the scheduler (`scraper run`) in this process."),
) -> None:
    """The web dashboard and REST API (/api/v1), until Ctrl-C."""
    from scraper.web.server import serve as run_server

    settings = load_settings()
    if with_scheduler and settings.executor != "local":
        # A second scheduler here would admit checks beside the one the scale-out has.
        raise InputError(f"--with-scheduler runs a local scheduler, but SCRAPER_EXECUTOR is "
                         f"{settings.executor}: run the scheduler as `scraper run --executor "
                         f"{settings.executor}` and the dashboard without --with-scheduler")
    run_server(settings, host, port, with_scheduler=with_scheduler,
               announce=lambda line: err.print(Text(line)))


@app.command("passwd", epilog=examples(
    "scraper passwd                                  # asks twice, without echo",
    "printf '%s\\n' \"$PASSWORD\" | scraper passwd       # from stdin (one line)",
))
def passwd() -> None:
    """Print a scrypt hash of the dashboard's admin password, for SCRAPER_ADMIN_PASSWORD."""
    import getpass
    import sys

    from scraper.base import passwords
    from scraper.base.errors import InputError

    if sys.stdin.isatty():
        password = getpass.getpass("admin password: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the two passwords differ; nothing printed")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if len(password) < 8:
        raise InputError("too short; give at least 8 characters", where="password")
    out.out(passwords.make_hash(password), highlight=False)
    err.print(Text("set SCRAPER_ADMIN_PASSWORD to this hash (quote it: it holds '$')", style="dim"))


@token_app.command("create", epilog=examples("scraper token create ci",
                                             "scraper token create grafana --json"))
def create(name: str = typer.Argument(..., metavar="NAME",
                                      help="Who or what uses it, e.g. ci or grafana."),
           as_json: bool = json_option("the token (with its secret, this once)")) -> None:
    """Create a token: it is printed once, now; only its hash is kept."""
    from scraper.service.tokens import create as create_token
    from scraper.store import open_db

    made = create_token(open_db(load_settings()), name)
    if as_json:
        print_json(made.model_dump())
        return
    out.print(Text(f"token {made.id} ({safe(made.name)}): "), end="")
    out.out(made.token, highlight=False)
    err.print(Text("it is shown this once: keep it now (Authorization: Bearer <token>)", style="yellow"))


@token_app.command("list", epilog=examples("scraper token list", "scraper token list --json"))
def list_(as_json: bool = json_option("the tokens")) -> None:
    """The tokens: name, the first characters, created, last used, revoked (never the token)."""
    from scraper.service.tokens import listing
    from scraper.store import open_db

    rows = listing(open_db(load_settings(), read_only=True))
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    table = Table("id", "name", "token", "created (UTC)", "last used", "revoked")
    for r in rows:
        table.add_row(str(r.id), Text(safe(r.name)), r.prefix, str(r.created_at),
                      r.last_used_at or "never", r.revoked_at or "")
    out.print(table)


@token_app.command("revoke", epilog=examples("scraper token revoke 2"))
def revoke(token_id: int = typer.Argument(..., metavar="ID",
                                          help="The token's id (see `scraper token list`)."),
           as_json: bool = json_option("the revoked token")) -> None:
    """Revoke a token: the API refuses it from now on."""
    from scraper.base.errors import NotFound
    from scraper.service.tokens import revoke as revoke_token
    from scraper.store import open_db

    try:
        revoked = revoke_token(open_db(load_settings(), missing=f"no token {token_id}"), token_id)
    except NotFound as exc:  # the command line says where to look
        raise NotFound(f"{exc} (see `scraper token list`)", where=exc.where) from None
    if as_json:
        print_json(revoked.model_dump())
    else:
        out.print(Text(f"token {revoked.id} ({safe(revoked.name)}) revoked"))
