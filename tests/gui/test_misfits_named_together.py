"""Models that do not take the images are unchecked and named in one sentence that agrees with their number."""

from __future__ import annotations

from test_byo import load_tiny_rgb_model, rgb_images  # noqa: F401 (a fixture, used by name)


def test_two_models_that_do_not_take_the_images_are_named_in_the_plural(window, idle, tmp_path, rgb_images):
    spec = load_tiny_rgb_model(window, idle, tmp_path, rgb_images)
    window.controls.set_checked([spec.key, "mnist-cnn", "mnist-mlp"])
    idle(window)
    assert window.controls.checked_keys() == [spec.key]
    assert "Unchecked mnist-cnn, mnist-mlp: they do not take" in window.error_label.text()  # it said "it does not"
