"""The add/edit form of a watch: the options `scraper.watches.options` declares (as `watch add`,
`watch edit` and watch files take them), checked by the watch service, each problem put on the
field it names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scraper.base.errors import Conflict, DomainError
from scraper.model.changes import CHANGE_KINDS
from scraper.watches.options import OPTIONS, Option

KINDS = CHANGE_KINDS
# Options whose values may carry secrets (channel tokens, cookies, a proxy's password): the edit
# form never shows them; left empty, they stay as they are.
SECRET = frozenset({"notify", "cookies", "proxy"})


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


def errors_of(error: DomainError) -> dict[str, str]:
    """A domain error by field, as the form shows it (the first problem of each field)."""
    if not error.faults:
        message = str(error)
        if isinstance(error, Conflict) and error.override:
            message += " (tick the box below to watch it anyway)"
        return {error.where or "url": message}
    errors: dict[str, str] = {}
    for fault in error.faults:
        errors.setdefault(fault.field, fault.text())
    return errors


def _line(key: str, item: Any) -> str:
    if key == "normalise":
        return str(item["regex"]) + (f"=>{item['replace']}" if item.get("replace") else "")
    if key == "actions":
        import yaml

        return str(yaml.safe_dump(item, default_flow_style=True, width=1000)).strip()
    return str(item)


def values_of(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for an existing watch, from its options (secret-bearing ones left out)."""
    values: dict[str, Any] = {"url": url}
    for key, value in options.items():
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
