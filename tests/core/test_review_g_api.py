"""Review G of the core API (a new user's calls): unlabelled images, ranges of every argument, float images,
a foreign pickle's warning, and weights written whole or not at all."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from advviz.core.attacks import FGML2
from advviz.core.data import load_image_folder
from advviz.core.decision_map import decision_map
from advviz.core.errors import AdvvizError, DataError, ModelLoadError
from advviz.core.robustness import robustness
from advviz.core.rubbish import rubbish_probe
from advviz.core.sweep import fgsm_sweep
from advviz.core.transfer import transfer_matrix


@pytest.fixture(scope="module")
def batch(mnist_test):
    return mnist_test[0][:4], mnist_test[1][:4]


def _analyses(model, x, y, eps=0.1):
    return {"fgsm_sweep": lambda: fgsm_sweep(model, x, y, [eps]), "robustness": lambda: robustness(model, x, y, [eps]),
            "transfer_matrix": lambda: transfer_matrix([model], x, y, eps),
            "decision_map": lambda: decision_map(model, x[:1], y[:1], extent=eps, resolution=3)}


# -- 2. unlabelled images -------------------------------------------------------------------------------
def test_an_unknown_label_is_refused_saying_what_to_pass(zoo, batch):
    """-1 (load_image_folder's unlabelled image) reached torch: "IndexError: Target -1 is out of bounds"."""
    x, y = batch
    y = y.clone()
    y[1] = -1
    model = zoo("mnist-softmax")
    runs = {**_analyses(model, x, y), "decision_map": _analyses(model, x[1:], y[1:])["decision_map"]}  # y[1] = -1
    for name, run in runs.items():
        with pytest.raises(ValueError, match=r"-1 .*unknown.*prediction") as refused:
            run()
        assert "argmax" in str(refused.value), name


# -- 3. transfer of no models ---------------------------------------------------------------------------
def test_transfer_of_no_models_is_refused_and_one_model_is_its_white_box_cell(zoo, batch):
    x, y = batch
    with pytest.raises(ValueError, match="at least one model"):
        transfer_matrix([], x, y, 0.1)
    result = transfer_matrix([zoo("mnist-softmax")], x, y, 0.25)
    assert result.error.shape == (1, 1) and np.isfinite(result.error).all()


# -- 4. images below pixel space -------------------------------------------------------------------------
def test_images_far_below_zero_are_refused_and_unclipped_adversarials_are_taken(zoo, batch):
    """Only x.max() > 2 was refused: fgsm_sweep(m, x - 5, …) ran on images outside [0, 1]."""
    model = zoo("mnist-softmax")
    x, y = batch
    for name, run in _analyses(model, x - 5, y).items():
        with pytest.raises(ValueError, match=r"\[0, 1\].*-5") as refused:
            run()
        assert "normaliz" in str(refused.value), name
    fgsm_sweep(model, x - 0.25, y, [0.1])  # an unclipped adversarial batch at ε = 0.25 goes this far below 0


# -- 5. floating-point images -----------------------------------------------------------------------------
def _float_image(path: Path, values: np.ndarray) -> Path:
    Image.fromarray(values.astype(np.float32), mode="F").save(path)
    return path


def test_a_float_image_in_0_1_loads_by_its_values(tmp_path):
    """A float TIFF in [0, 1] went through convert("L"): its maximum 1.0 became 1/255 (a black image)."""
    ramp = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    x, y, _ = load_image_folder(_float_image(tmp_path / "ramp.tif", ramp))
    assert x.shape == (1, 1, 28, 28) and y.tolist() == [-1]
    np.testing.assert_allclose(x[0, 0].numpy(), ramp, atol=1e-6)
    x255, _, _ = load_image_folder(_float_image(tmp_path / "ramp255.tif", ramp * 255))  # clearly 0–255
    np.testing.assert_allclose(x255[0, 0].numpy(), ramp, atol=1e-6)
    rgb, _, _ = load_image_folder(tmp_path / "ramp.tif", channels=3)
    assert rgb.shape == (1, 3, 28, 28) and float(rgb.max()) == pytest.approx(1.0)


def test_float_images_in_a_folder_load_and_bad_values_are_named(tmp_path):
    """NaN pixels silently became 0; a folder listed no .tif."""
    ramp = np.linspace(0, 1, 28 * 28).reshape(28, 28)
    nan = ramp.copy()
    nan[3, 3] = np.nan
    with pytest.raises(DataError, match=r"nan\.tif.*NaN or infinite"):
        load_image_folder(_float_image(tmp_path / "nan.tif", nan))
    with pytest.raises(DataError, match=r"negative\.tif.*-0\.5"):
        load_image_folder(_float_image(tmp_path / "negative.tif", ramp - 0.5))
    folder = tmp_path / "images"
    folder.mkdir()
    _float_image(folder / "a.tiff", ramp)
    _float_image(folder / "b.tif", nan)
    notes: list[str] = []
    x, _, _ = load_image_folder(folder, skipped=notes)
    assert len(x) == 1 and float(x.max()) == pytest.approx(1.0)
    assert notes == ["1 unreadable file skipped (b.tif)"]


# -- 6. arguments out of range ----------------------------------------------------------------------------
@pytest.mark.parametrize("options, says", [
    ({"count": 0}, "count must be a whole number ≥ 1, got 0"),
    ({"count": -1}, "count must be a whole number ≥ 1, got -1"),
    ({"count": 2.5}, "count must be a whole number ≥ 1, got 2.5"),
    ({"threshold": float("nan")}, r"threshold must be a probability in \[0, 1\], got nan"),
    ({"threshold": 1.5}, r"threshold must be a probability in \[0, 1\], got 1.5"),
])
def test_rubbish_probe_refuses_a_count_or_threshold_out_of_range(zoo, options, says):
    with pytest.raises(ValueError, match=says):
        rubbish_probe(zoo("mnist-softmax"), **options)


def test_an_eps_beyond_the_pixel_range_is_refused_as_the_cli_does(zoo, batch):
    """ε = 1e9 ran (the curves lie flat beyond 1); the CLI refused it (core/eps_limits)."""
    model = zoo("mnist-softmax")
    x, y = batch
    for name, run in _analyses(model, x, y, eps=1e9).items():
        if name == "decision_map":  # its extent: test_decision_map_refuses_an_extent_out_of_range
            continue
        with pytest.raises(ValueError, match=r"ε .*at most 1\b.*1e\+09") as refused:
            run()
        assert "255" in str(refused.value), name
    with pytest.raises(ValueError, match="at most 1"):
        fgsm_sweep(model, x, y, [-3.0, 0.0])  # the sweep's negative side as well
    assert len(fgsm_sweep(model, x, y, [-1.0, 1.0])) == 2  # the limit itself is meaningful
    assert len(robustness(model, x, y, [20.0], attack=FGML2()).eps) == 1  # L2's limit is √784 = 28
    with pytest.raises(ValueError, match="at most 28"):
        robustness(model, x, y, [30.0], attack=FGML2())


@pytest.mark.parametrize("extent", [-1.0, 0.0, float("nan"), 2.0])
def test_decision_map_refuses_an_extent_out_of_range(zoo, batch, extent):
    x, y = batch
    with pytest.raises(ValueError, match=r"extent must be .*\(0, 1\]"):
        decision_map(zoo("mnist-softmax"), x[:1], y[:1], extent=extent, resolution=3)


@pytest.mark.parametrize("channels", [0, 2, 4])
def test_load_image_folder_refuses_channels_other_than_1_or_3(tmp_path, channels):
    """channels=0 or 2 silently returned 3 channels."""
    Image.new("L", (28, 28), 128).save(tmp_path / "grey.png")
    with pytest.raises(ValueError, match=f"channels must be 1 \\(grey\\) or 3 \\(RGB\\), got {channels}"):
        load_image_folder(tmp_path, channels=channels)


# -- 7. a foreign pickle ------------------------------------------------------------------------------------
class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_raw_pickle_is_refused_without_torchs_protocol_warning(tmp_path):
    from advviz.core.zoo import read_state_dict

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Payload(), protocol=4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ModelLoadError, match="not a readable PyTorch weights file"):
            read_state_dict(path)
    assert [str(w.message) for w in caught] == []


# -- 1. weights written whole or not at all ------------------------------------------------------------------
def full_disk_save(real_save=torch.save):
    """torch.save on a full disk: a few bytes reach the file, then torch's zip writer fails."""
    def save(obj, f, *args, **kwargs):
        with open(f, "wb") as handle:
            handle.write(b"PK\x03\x04")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 1344 vs 1236")
    return save


def _no_training(monkeypatch):
    import advviz.core.zoo as zoo

    monkeypatch.setattr(zoo, "train_steps", lambda *args, **kwargs: iter(()))


def test_train_zoo_on_a_full_disk_raises_an_advviz_error_and_leaves_no_file(tmp_path, monkeypatch):
    from advviz.core.zoo import train_zoo_steps

    _no_training(monkeypatch)
    monkeypatch.setattr(torch, "save", full_disk_save())
    with pytest.raises(AdvvizError, match=r"cannot write mnist-softmax\.pt in .*disk full"):
        list(train_zoo_steps(["mnist-softmax"], folder=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_train_zoo_refuses_a_read_only_folder_before_training(unwritable_zoo_folder):
    import advviz.core.zoo as zoo

    folder = unwritable_zoo_folder
    with pytest.raises(AdvvizError, match=r"cannot write in .*weights: Permission denied"):
        next(zoo.train_zoo_steps(["mnist-softmax"], folder=folder))


def test_twin_training_on_a_full_disk_raises_an_advviz_error_and_leaves_no_file(tmp_path, monkeypatch):
    from advviz.core.twin_training import TrainingRequest, twin_training_steps

    monkeypatch.setattr(torch, "save", full_disk_save())
    request = TrainingRequest(dataset="mnist", architecture="softmax", samples=64, epochs=1, validation=32)
    with pytest.raises(AdvvizError, match=r"cannot write mnist-softmax-plain\.pt in .*disk full"):
        list(twin_training_steps(request, folder=str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_weights_and_metadata_are_written_with_a_new_files_permissions(tmp_path, monkeypatch):
    from advviz.core.zoo import read_metadata, read_state_dict, train_zoo_steps

    _no_training(monkeypatch)
    list(train_zoo_steps(["mnist-softmax"], folder=tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist-softmax.pt", "zoo.json"]
    umask = os.umask(0o022)
    os.umask(umask)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path.name  # not mkstemp's private 0600
    assert read_state_dict(tmp_path / "mnist-softmax.pt")
    assert "mnist-softmax" in read_metadata(tmp_path)
