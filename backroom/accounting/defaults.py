"""The default chart of accounts and posting rules (``defaults.yaml`` beside this file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from backroom.accounting.rules import parse_rule

DEFAULTS = Path(__file__).with_name("defaults.yaml")


@cache
def load_defaults() -> dict[str, list[dict[str, Any]]]:
    """``{"accounts": [...], "rules": [...]}``; every rule is checked by ``parse_rule``."""
    data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    for n, rule in enumerate(data["rules"], 1):
        parse_rule(rule, f"rules[{n}]")
    return {"accounts": list(data["accounts"]), "rules": list(data["rules"])}
