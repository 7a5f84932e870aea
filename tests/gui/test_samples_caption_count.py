"""The samples caption says which images the thumbnails are."""

from __future__ import annotations


def test_the_caption_says_the_thumbnails_are_the_first_of_the_data_set(window, idle):
    """The data caption said "2000 images" beside 200 thumbnails, and nothing said the rest are not shown."""
    caption = window.samples.caption.text()
    assert window.samples.grid.count() == 200 and len(window.data.x) == 2000
    assert caption.startswith("200 test images (the first; 2,000 in all) · true → predicted by mnist-cnn"), caption
    window.controls.set_checked([])
    idle(window)
    assert window.samples.caption.text().startswith("200 test images (the first; 2,000 in all) · label: true class")
