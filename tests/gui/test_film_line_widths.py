"""An animation's film keeps the normal line widths while the window presents."""

from __future__ import annotations

from advviz.gui.animate import SweepFilm
from advviz.gui.panels.curves import THICK, THIN


def test_a_film_made_while_presenting_draws_normal_lines(window, qtbot):
    """Presentation mode widened the curves module's widths for the whole program: a GIF exported while
    presenting, or across F11, had thick lines (or changed them midway)."""
    window.presentation.action.trigger()
    try:
        assert window.curves.thick > THICK
        film = SweepFilm(width=240)
        try:
            film.prepare(window.sweep)
            film.draw(window.sweep, 0.1)
            widths = {curve.opts["pen"].widthF() for curve in film.curves.curves}
            assert widths <= {THIN, THICK} and THICK in widths
        finally:
            film.dispose()
    finally:
        window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.settled, timeout=10000)
    assert (window.curves.thin, window.curves.thick) == (THIN, THICK)
