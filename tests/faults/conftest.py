"""The fault suite's figures, shown in the test run's summary even without -s (CI)."""

from __future__ import annotations

from typing import Any

FIGURES: list[dict[str, Any]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("fault injection figures")
        for figures in FIGURES:
            terminalreporter.write_line(", ".join(f"{key}: {value}" for key, value in figures.items()))
