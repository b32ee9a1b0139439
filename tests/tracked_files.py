"""A test run must not change tracked files: compare them before and after the pytest session.

At session start we note every tracked file that differs from HEAD (with a hash of its
content); at the end we note them again. Any difference means something in the run wrote
into the checkout (as the browser tests once did with `docs/screenshots/*.png`), and the
run fails naming the files. Only the span of the pytest session counts: `make messages`
recompiling the tracked `.mo` files before the tests is not the tests' doing.

A before/after comparison cannot tell the run's writes from a person saving a file while
the tests run, and in a shared working tree that happens all the time (it did, the first
time this ran there). So the guard is on where nobody edits the checkout: in CI (the `CI`
variable every CI service sets) or when asked, `VECHE_TRACKED_FILES_GUARD=on`
(`VECHE_TRACKED_FILES_GUARD=on make test`); `=off` turns it off everywhere. The directory
`make screenshots` writes to ($VECHE_SCREENSHOTS_DIR) is exempt: there the writes are the
point.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SWITCH = "VECHE_TRACKED_FILES_GUARD"
_before = pytest.StashKey[dict[str, str]]()
_changed = pytest.StashKey[list[str]]()


def tracked_changes() -> dict[str, str] | None:
    """Tracked files that differ from HEAD: path -> status and content hash (None outside a git checkout)."""
    try:
        listed = subprocess.run(  # noqa: S603 - fixed git command
            ["git", "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT, capture_output=True, check=True, timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    entries = listed.split(b"\0")
    changes: dict[str, str] = {}
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        status, path = entry[:2].decode(), entry[3:].decode("utf-8", "surrogateescape")
        if "R" in status or "C" in status:
            index += 1  # a rename or copy is followed by its source path
        file = ROOT / path
        digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "absent"
        changes[path] = f"{status} {digest}"
    return changes


def _exempt(path: str) -> bool:
    directory = os.environ.get("VECHE_SCREENSHOTS_DIR", "").strip()
    if not directory:
        return False
    return (ROOT / path).resolve().is_relative_to((ROOT / directory).resolve())


def _wanted() -> bool:
    switch = os.environ.get(SWITCH, "").strip().lower()
    if switch in {"on", "1", "yes", "true"}:
        return True
    if switch in {"off", "0", "no", "false"}:
        return False
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller checks the whole run
    if not _wanted():
        return
    changes = tracked_changes()
    if changes is not None:
        session.config.stash[_before] = changes


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_before, None)
    if before is None:
        return
    after = tracked_changes() or {}
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path) and not _exempt(path)
    )
    if not changed:
        return
    session.config.stash[_changed] = changed
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    changed = terminalreporter.config.stash.get(_changed, [])
    if not changed:
        return
    terminalreporter.write_sep("=", "tracked files changed", red=True)
    terminalreporter.write_line(
        f"The test run changed {len(changed)} tracked file(s); tests must write to temporary directories:"
    )
    for path in changed:
        terminalreporter.write_line(f"  {path}")
    terminalreporter.write_line(f"(If you edited them yourself during the run, set {SWITCH}=off.)")
