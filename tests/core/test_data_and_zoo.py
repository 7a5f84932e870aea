"""Shipped data, the model zoo, safe loading and the user's own images."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advviz.core.data import DATASETS, class_names, load_dataset, load_image_folder, split_indices
from advviz.core.errors import DataError, ModelLoadError
from advviz.core.training import accuracy
from advviz.core.zoo import ZOO_SPECS, list_models, load_model


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_load_with_a_fixed_disjoint_split(name):
    x, y = load_dataset(name, "test")
    assert x.shape == (2000, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.99
    assert set(y.tolist()) == set(range(10))
    train, test = split_indices(10000, "train"), split_indices(10000, "test")
    assert len(train) == 8000 and not set(train) & set(test)
    np.testing.assert_array_equal(test, split_indices(10000, "test"))  # same split every time
    assert len(class_names(name)) == 10


def test_unknown_dataset_is_refused():
    with pytest.raises(DataError, match="unknown dataset"):
        load_dataset("cifar")


def test_every_zoo_model_is_shipped_and_listed():
    listed = {row["name"] for row in list_models()}
    assert listed == set(ZOO_SPECS)
    for row in list_models():
        assert {"dataset", "architecture", "clean_accuracy", "settings"} <= set(row)


@pytest.mark.parametrize("name,minimum", [("mnist-cnn", 0.97), ("mnist-softmax", 0.88), ("mnist-maxout", 0.94),
                                          ("mnist-rbf", 0.85), ("fashion-cnn", 0.82)])
def test_shipped_models_reach_sensible_clean_accuracy(zoo, name, minimum):
    x, y = load_dataset(name.split("-")[0], "test")
    assert accuracy(zoo(name), x, y) >= minimum


def test_loaded_model_is_in_eval_mode_with_normalization_inside(zoo):
    model = zoo("mnist-cnn")
    assert not model.training
    assert model.mean.item() == pytest.approx(0.1307) and model.std.item() == pytest.approx(0.3081)
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_weights_file_round_trip(tmp_path, zoo):
    path = tmp_path / "mine.pt"
    torch.save(zoo("mnist-mlp").state_dict(), path)
    model = load_model(path, architecture="mlp", dataset="mnist")
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(model(x), zoo("mnist-mlp")(x))


def test_missing_corrupt_foreign_and_nan_files_give_clear_errors(tmp_path, zoo):
    with pytest.raises(ModelLoadError, match="not found"):
        load_model(tmp_path / "absent.pt", architecture="mlp", dataset="mnist")
    (tmp_path / "folder.pt").mkdir()  # it exists: "not found" misled
    with pytest.raises(ModelLoadError, match="folder.pt is a folder, not a model file"):
        load_model(tmp_path / "folder.pt", architecture="mlp", dataset="mnist")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x00not a torch file" * 10)
    with pytest.raises(ModelLoadError, match="not a readable PyTorch weights file"):
        load_model(corrupt, architecture="mlp", dataset="mnist")
    foreign = tmp_path / "cnn.pt"
    torch.save(zoo("mnist-cnn").state_dict(), foreign)
    with pytest.raises(ModelLoadError, match="does not fit the architecture"):
        load_model(foreign, architecture="mlp", dataset="mnist")
    nan = tmp_path / "nan.pt"
    state = zoo("mnist-softmax").state_dict()
    state["net.1.weight"] = state["net.1.weight"].clone().fill_(float("nan"))
    torch.save(state, nan)
    with pytest.raises(ModelLoadError, match="NaN"):
        load_model(nan, architecture="softmax", dataset="mnist")
    with pytest.raises(ModelLoadError, match="unknown model"):
        load_model("mnist-resnet1000")


def test_finite_weights_with_nan_logits_are_refused(tmp_path, zoo):
    """Every tensor zeroed: finite weights, but a normalization std of 0 gives NaN logits, which the CLI's
    robustness reported as a 95 % error rate."""
    zeroed = tmp_path / "zero.pt"
    torch.save({key: torch.zeros_like(value) for key, value in zoo("mnist-mlp").state_dict().items()}, zeroed)
    with pytest.raises(ModelLoadError, match="NaN or infinite logits"):
        load_model(zeroed, architecture="mlp", dataset="mnist")
    plain = tmp_path / "plain.pt"
    torch.save(zoo("mnist-mlp").state_dict(), plain)
    assert load_model(plain, architecture="mlp", dataset="mnist").training is False


def test_a_pickle_that_is_not_weights_is_refused(tmp_path):
    """weights_only=True: an arbitrary pickled object never runs."""
    path = tmp_path / "evil.pt"
    import argparse

    torch.save({"state_dict": argparse.Namespace(payload="would run on unpickling")}, path)
    with pytest.raises(ModelLoadError):
        load_model(path, architecture="mlp", dataset="mnist")


def _write_images(folder, count, size=(40, 30), mode="RGB"):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        colour = (index * 60 % 256, 100, 200) if mode == "RGB" else index * 60 % 256
        Image.new(mode, size, colour).save(folder / f"{index}.png")


def test_image_folder_by_class(tmp_path):
    _write_images(tmp_path / "cat", 2)
    _write_images(tmp_path / "dog", 3, mode="L")
    x, y, names = load_image_folder(tmp_path, channels=3, size=(32, 32))
    assert x.shape == (5, 3, 32, 32) and names == ("cat", "dog") and y.tolist() == [0, 0, 1, 1, 1]
    assert 0 <= x.min() and x.max() <= 1
    grey, _, _ = load_image_folder(tmp_path / "cat" / "0.png")
    assert grey.shape == (1, 1, 28, 28)


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_image_folder(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no images"):
        load_image_folder(empty)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="cannot read image"):
        load_image_folder(tmp_path / "bad.png")


def test_an_unreadable_file_in_a_folder_is_skipped_with_a_warning(tmp_path):
    """One stray file refused the whole folder; it is skipped, and the rest keep their labels."""
    from advviz.core.errors import SkippedImagesWarning

    _write_images(tmp_path / "cat", 2)
    _write_images(tmp_path / "dog", 2)
    (tmp_path / "cat" / "broken.png").write_bytes(b"not an image")
    with pytest.warns(SkippedImagesWarning, match="1 unreadable file skipped \\(broken.png\\)"):
        x, y, names = load_image_folder(tmp_path, channels=1, size=(28, 28))
    assert x.shape == (4, 1, 28, 28) and y.tolist() == [0, 0, 1, 1] and names == ("cat", "dog")
