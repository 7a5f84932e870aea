"""Start-up can be neither cancelled into a dead window nor, failing, hang a session opened after it."""

from __future__ import annotations

import json

from advviz.gui import jobs, session
from advviz.gui.session_file import FORMAT, VERSION


def test_cancel_does_not_stop_the_start_up(make_window, qtbot):
    """Cancel during "Loading PyTorch…" left no data and every control disabled, with no way to load any."""
    window = make_window()
    window.start_loading()
    window._update_status()
    assert not window.cancel_button.isEnabled()  # nothing it may cancel
    window.cancel_jobs()  # (a shortcut or script)
    qtbot.waitUntil(lambda: window.data is not None and window.controls.isEnabled(), timeout=60000)


def test_a_session_opened_after_a_failed_start_up_loads_its_own_data(make_window, qtbot, tmp_path, monkeypatch):
    """The session waited for the start-up job to end, and it had already ended: "Opening s.json…" for good."""
    def failing_startup(dataset):
        yield jobs.Progress("Loading PyTorch…")
        raise OSError("the data set's file is unreadable")

    monkeypatch.setattr(jobs, "startup_job", failing_startup)
    window = make_window()
    window.start_loading()
    qtbot.waitUntil(lambda: not window.runner.is_running("data"), timeout=60000)
    assert window.data is None and "unreadable" in window.error_label.text()
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": FORMAT, "version": VERSION, "data": {"kind": "dataset", "dataset": "mnist"}}))
    loader = session.open_session(window, path)
    qtbot.waitUntil(lambda: loader.finished and window.data is not None, timeout=60000)
