"""diagnose and linear_explanation refuse unknown labels (−1, what load_image_folder gives an image outside a
class sub-folder) in words; torch had said "Target -1 is out of bounds"."""

from __future__ import annotations

import pytest
import torch


@pytest.mark.parametrize("function", ["diagnose", "linear_explanation"])
def test_an_unlabelled_image_is_refused_with_what_to_do(zoo, mnist_test, function):
    import advviz

    x, _ = mnist_test
    with pytest.raises(ValueError, match=r"argmax\(1\)"):
        getattr(advviz, function)(zoo("mnist-softmax"), x[:2], torch.tensor([-1, 3]), eps=0.1)
