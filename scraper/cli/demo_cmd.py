"""`scraper demo`: the main job end to end on the bundled demo blog."""

from __future__ import annotations

from rich.rule import Rule
from rich.text import Text

from scraper.cli.app import app, examples
from scraper.cli.common import json_option
from scraper.cli.output import out, print_json
from scraper.settings import load_settings


@app.command("demo", epilog=examples(
    "scraper demo",
    "scraper demo --json",
    "python -m scraper.demo serve --port 8799   # the demo site alone, to try commands on",
))
def demo(as_json: bool = json_option("the record, the baseline check and the check after")) -> None:
    """Capture the bundled demo blog, watch it, add and edit a comment, and report the changes."""
    from scraper.cli.check_cmd import render_result
    from scraper.cli.record_view import render_record
    from scraper.demo.tour import run_tour

    tour = run_tour(load_settings())
    if as_json:
        print_json({"record": tour.record.to_dict(), "baseline": tour.baseline.to_dict(),
                    "check": tour.after.to_dict()})
        return
    out.print(Rule("1. capture: the page as Chromium drew it, through the wordpress profile"))
    out.print(render_record(tour.record))
    out.print(Rule("2. watch it: the first check is the baseline"))
    out.print(render_result(tour.baseline))
    out.print(Rule("3. the site changes (a new comment, an edited one); check again"))
    out.print(render_result(tour.after))
    out.print(Text(f"\nThe demo's database is {tour.home / 'scraper.db'}; look around with\n"
                   f"  SCRAPER_HOME={tour.home} scraper history demo\n"
                   f"  SCRAPER_HOME={tour.home} scraper diff demo", style="dim"))
