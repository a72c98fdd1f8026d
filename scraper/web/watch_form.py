"""The add/edit form of a watch and the API's watch bodies: the options `scraper.watches.options` declares
(as `watch add`, `watch edit` and watch files take them), checked by the same `check_options`,
each problem put on the field it names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scraper.base.errors import InputError
from scraper.config.settings import Settings
from scraper.model.changes import CHANGE_KINDS
from scraper.store import Watch
from scraper.watches.options import OPTIONS, Option
from scraper.watches.validate import check_options, options_of

KINDS = CHANGE_KINDS
# Options whose values may carry secrets (channel tokens, cookies, a proxy's password): the edit
# form never shows them; left empty, they stay as they are.
SECRET = frozenset({"notify", "cookies", "proxy"})
_OPTION = re.compile(r"--([a-z][a-z-]*)")


@dataclass(frozen=True)
class Field:
    option: Option
    label: str
    widget: str  # text, number, lines, checkbox, kinds


def _widget(o: Option) -> str:
    if o.key == "notify_on":
        return "kinds"
    if o.flag:
        return "checkbox"
    if o.many or o.pairs:
        return "lines"
    return "number" if o.type is int else "text"


FIELDS = tuple(Field(o, o.key.replace("_", " ").capitalize(), _widget(o)) for o in OPTIONS)


class FormErrors(Exception):
    """Problems by field (the option's key, "url", or "" for the form as a whole)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_of(error: InputError, default: str = "") -> str:
    """The field an error names: its `where` (`--every`, `--tag`), else an option in its text."""
    named = error.where or (m.group(0) if (m := _OPTION.search(str(error))) else None)
    if not named:
        return default
    bare = named.removeprefix("--").replace("-", "_")
    return next((o.key for o in OPTIONS if o.cli == named or o.key == bare), bare)


def _line(key: str, item: Any) -> str:
    if key == "normalise":
        return str(item["regex"]) + (f"=>{item['replace']}" if item.get("replace") else "")
    if key == "actions":
        import yaml

        return str(yaml.safe_dump(item, default_flow_style=True, width=1000)).strip()
    return str(item)


def values_of(watch: Watch) -> dict[str, Any]:
    """The form's values for an existing watch (secret-bearing options left out)."""
    values: dict[str, Any] = {"url": watch.url}
    for key, value in options_of(watch).items():
        if key in SECRET or key == "notify_on":
            values[key] = value if key == "notify_on" else ""
        elif isinstance(value, list):
            values[key] = "\n".join(_line(key, v) for v in value)
        elif isinstance(value, dict):
            values[key] = "\n".join(f"{k}: {v}" if key == "headers" else f"{k}={v}" for k, v in value.items())
        else:
            values[key] = "" if value is None else value
    return values


def submitted(form: Any) -> dict[str, Any]:
    """The raw values of a posted form."""
    values: dict[str, Any] = {"url": str(form.get("url") or "").strip(),
                              "allow_duplicate": bool(form.get("allow_duplicate"))}
    for f in FIELDS:
        values[f.option.key] = form.getlist(f.option.key) if f.widget == "kinds" else form.get(f.option.key)
    return values


def options_from(values: Mapping[str, Any], *, keep_secrets: bool) -> dict[str, Any]:
    """The options the form gives, as a watch file would hold them; FormErrors for a value that
    cannot even be read (a step that is not YAML, a header without a name)."""
    options: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        o, raw = f.option, values.get(f.option.key)
        if f.widget == "kinds":
            options[o.key] = list(raw or [])
            continue
        if f.widget == "checkbox":
            options[o.key] = bool(raw)
            continue
        text = str(raw or "").strip()
        if o.key in SECRET and keep_secrets and not text:
            continue  # not shown, not changed
        try:
            if f.widget == "lines":
                options[o.key] = o.from_cli([line.strip() for line in text.splitlines() if line.strip()])
            elif f.widget == "number":
                options[o.key] = int(text) if text else None
            else:
                options[o.key] = text or None
        except ValueError as exc:
            errors[o.key] = f"{o.cli}: {exc}" if f.widget != "number" else \
                f"{o.cli} {text!r}: give a whole number"
    if errors:
        raise FormErrors(errors)
    return options


def check(url: str, options: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The watch's columns, every option checked by `check_options`; FormErrors by field."""
    fields, problems = check_options(url, options, settings)
    if problems:
        errors: dict[str, str] = {}
        for p in problems:
            errors.setdefault(p.key, p.text())
        raise FormErrors(errors)
    return fields
