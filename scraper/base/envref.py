"""`${ENV:NAME}`: a value that names an environment variable instead of holding a secret.

Watches store secrets this way only (cookie values, proxy passwords, credential headers, password
fields, channel tokens), so the database, views and `watch export` files hold the name, never the
value; whoever needs the value (the browser, a channel sending a report) resolves it at that moment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from scraper.base.errors import InputError

ENV_REF = re.compile(r"\$\{ENV:([A-Za-z_][A-Za-z0-9_]*)\}")


def env_names(value: str) -> list[str]:
    return ENV_REF.findall(value)


def resolve_env(value: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    """`value` with every `${ENV:NAME}` replaced; a variable that is not set is an error, never ''."""
    env = os.environ if environ is None else environ

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise InputError(f"{where}: environment variable {name} is not set "
                             f"(it is named by ${{ENV:{name}}})")
        return env[name]

    return ENV_REF.sub(one, value)
