"""Layering goes one way: `ml` has no Django; `ideas` knows nothing of `realtime`, `archive`, `pages`.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter reads the real
import graph of the code, including imports inside functions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", "pyproject.toml", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout, result.stdout


def test_domain_events_reach_the_live_stream_only_through_a_registered_sink() -> None:
    from ideas import events
    from realtime import broadcast

    assert broadcast.session_event in events._sinks
