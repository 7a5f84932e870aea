"""An animation of an RGB model's sweep shows the per-channel choice made, not a check box nobody can tick."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from advviz.core.architectures import PixelSpaceModel
from advviz.gui.animate import SweepFilm, compute_sweep
from advviz.gui.jobs import AttackChoice


def colour_state():
    net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 3))
    model = PixelSpaceModel(net, input_shape=(3, 8, 8), class_names=("red", "green", "blue")).eval()
    torch.manual_seed(0)
    return compute_sweep(model, torch.rand(1, 3, 8, 8), 1, 0.5, 5, AttackChoice("fgsm", 0, True))


def test_an_rgb_films_frames_have_no_check_box_while_the_windows_heatmaps_offer_it(window, qtbot):
    state = colour_state()
    film = SweepFilm(width=320)
    try:
        film.prepare(state)
        film.draw(state, 0.25)
        assert not film.heatmaps.per_channel.isVisibleTo(film)
    finally:
        film.dispose()
    window.heatmaps.show_state(state, 2)  # the window's panel, on the same RGB sweep, offers the choice
    assert window.heatmaps.per_channel.isVisibleTo(window.heatmaps)
    assert np.asarray(state.x).shape[0] == 3
