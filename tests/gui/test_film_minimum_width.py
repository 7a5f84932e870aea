"""At the narrowest width ``advviz animate`` accepts, the frames' heatmaps are images, not specks."""

from __future__ import annotations

from advviz.cli_zoo import MIN_ANIMATION_WIDTH
from advviz.core.data import load_dataset
from advviz.core.zoo import load_model
from advviz.gui.animate import SweepFilm, compute_sweep, film_layout
from advviz.gui.jobs import AttackChoice


def test_the_narrowest_accepted_frame_shows_each_heatmap_at_least_80_pixels_wide(qapp):
    x, y = load_dataset("mnist", "test")
    state = compute_sweep(load_model("mnist-cnn"), x[7:8], int(y[7]), 0.5, 3, AttackChoice("fgsm", 0, True))
    layout, ratio = film_layout(MIN_ANIMATION_WIDTH)
    film = SweepFilm(width=layout, pixel_ratio=ratio)
    try:
        next(film.frames(state, [0.5]))  # laid out and drawn as a frame is
        # 480 px frames drew the 28×28 images 13 px wide: the colour bars' and captions' minimum widths won
        sizes = {key: cell.image.sceneBoundingRect().size() for key, cell in film.heatmaps.cells.items()}
        assert all(size.width() * ratio >= 80 and size.height() * ratio >= 80 for size in sizes.values()), sizes
    finally:
        film.dispose()
