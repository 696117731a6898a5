"""Benchmark figures beside their baselines: a Rich table for people, one JSON object for tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Goal:
    """A target: ``ratio_at_least`` (Backroom ÷ baseline ≥ x), ``at_least`` (figure ≥ x) or
    ``below`` (figure < x)."""

    kind: str
    limit: float
    text: str

    def met(self, value: float, ratio: float | None) -> bool:
        if self.kind == "ratio_at_least":
            return ratio is not None and ratio >= self.limit
        if self.kind == "at_least":
            return value >= self.limit
        return value < self.limit


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # JSON key of Backroom's figure
    label: str
    unit: str  # "tx/s", "s" or "ms"
    value: float
    baseline: float | None = None
    baseline_key: str | None = None
    baseline_label: str = ""
    ratio_key: str | None = None  # Backroom ÷ baseline
    goal: Goal | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self.value, self.ratio)


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    audits: dict[str, bool] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    title: str = "backroom bench inventory"

    @property
    def audit_ok(self) -> bool:
        return all(self.audits.values())

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        targets: dict[str, bool] = {}
        for f in self.figures:
            data[f.key] = _round(f.value)
            if f.baseline_key is not None and f.baseline is not None:
                data[f.baseline_key] = _round(f.baseline)
            if f.ratio_key is not None and f.ratio is not None:
                data[f.ratio_key] = round(f.ratio, 4)
            if f.passed is not None:
                targets[f.ratio_key if f.goal and f.goal.kind == "ratio_at_least" and f.ratio_key
                        else f.key] = f.passed
        data["targets"] = targets
        data["targets_met"] = all(targets.values())
        data["audit_ok"] = self.audit_ok
        data["audits"] = dict(self.audits)
        data["meta"] = dict(self.meta)
        data["notes"] = list(self.notes)
        return data

    def print(self, console: Console) -> None:
        table = Table(title=self.title, title_justify="left")
        for name, justify in (("figure", "left"), ("Backroom", "right"), ("baseline", "right"),
                              ("ratio", "right"), ("target", "left"), ("result", "left")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for f in self.figures:
            ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
            base = (f"{_fmt(f.baseline, f.unit)} {f.baseline_label}"
                    if f.baseline is not None else "")
            result = {True: "[green]pass[/]", False: "[bold red]MISS[/]", None: "[dim]info[/]"}
            table.add_row(f.label, _fmt(f.value, f.unit), base, ratio,
                          f.goal.text if f.goal else "", result[f.passed])
        ok = self.audit_ok
        table.add_row("audit after each scenario", "clean" if ok else "FAILED", "", "",
                      "clean", "[green]pass[/]" if ok else "[bold red]FAIL[/]")
        console.print(table)
        for note in self.notes:
            console.print(f"[dim]- {note}[/]", highlight=False)


def _fmt(value: float, unit: str) -> str:
    if unit == "tx/s":
        return f"{value:,.0f} tx/s"
    if unit == "ms":
        return f"{value:.3f} ms"
    if unit == "orders/s":
        return f"{value:,.1f} orders/s" if value >= 10 else f"{value:.2f} orders/s"
    return f"{value:.2f} {unit}"


def _round(value: float) -> float:
    return round(value, 4) if abs(value) < 100 else round(value, 1)
