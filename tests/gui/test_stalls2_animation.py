"""The window's animation export draws one frame per turn of the event loop; a worker converts and writes.

Rendered in one call, the GIF held the window ~0.5 s (60 frames drawn, grabbed, converted, scaled and
encoded on the GUI thread).
"""

from __future__ import annotations

import threading

from PIL import Image

from advviz.gui import animate, animation_export


def test_the_export_draws_a_frame_per_turn_and_a_worker_converts_and_writes(window, qtbot, tmp_path, monkeypatch):
    draws = []
    original_draw = animate.SweepFilm.draw

    def draw(self, state, eps):
        draws.append(eps)
        original_draw(self, state, eps)

    monkeypatch.setattr(animate.SweepFilm, "draw", draw)
    writers = []
    original_save = animation_export.save_frames

    def save_frames(frames, path):
        writers.append(threading.current_thread() is threading.main_thread())
        return original_save(frames, path)

    monkeypatch.setattr(animation_export, "save_frames", save_frames)
    export = animation_export.AnimationExport(window, tmp_path / "sweep.gif", max_frames=8, width=240).start()
    assert draws == [] and not export.done  # started: nothing drawn in this call
    export._step()  # the film
    export._step()  # laid out, frame 1 drawn
    assert len(draws) == 1
    export._step()  # frame 1 grabbed, frame 2 drawn
    assert len(draws) == 2 and len(export.frames) == 1
    qtbot.waitUntil(lambda: export.done, timeout=60000)
    assert export.result == tmp_path / "sweep.gif" and export.error is None
    assert len(draws) == len(export.eps_values) == 8
    assert writers == [False]  # written on the worker
    assert export.rendered_on and all(name.startswith("advviz-animation") for name in export.rendered_on)
    with Image.open(tmp_path / "sweep.gif") as gif:
        assert gif.n_frames == 8 and gif.width == 240
    assert window.status_label.text().startswith("Saved ")


def test_cancel_stops_the_export_and_writes_nothing(window, qtbot, tmp_path):
    export = animation_export.AnimationExport(window, tmp_path / "sweep.gif", max_frames=30, width=240).start()
    qtbot.waitUntil(lambda: len(export.frames) >= 2, timeout=30000)
    window.cancel_button.click()
    assert export.cancelled and export.done
    drawn = len(export.frames)
    qtbot.wait(100)
    assert len(export.frames) == drawn  # no further frame
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in window.status_label.text()
