"""Review G of the commands that write weights (train-zoo, adv-train): a full disk or a read-only folder
ended, after the whole training, in torch's traceback ("unexpected pos 1344 vs 1236", "open file failed") and a
truncated .pt file. Now: one line on stderr, exit status 2, no partial file."""

from __future__ import annotations

import pytest
import torch
from cli_helpers import run


def _full_disk(monkeypatch) -> None:
    """torch.save on a full disk: a few bytes reach the file, then torch's zip writer fails."""
    def save(obj, f, *args, **kwargs):
        with open(f, "wb") as handle:
            handle.write(b"PK\x03\x04")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 1344 vs 1236")

    monkeypatch.setattr(torch, "save", save)


def _one_line_exit_2(code: int, err: str) -> str:
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv, file", [
    (["train-zoo", "--only", "mnist-softmax"], "mnist-softmax.pt"),
    (["adv-train", "--architecture", "softmax", "--samples", "64", "--epochs", "1", "--validation", "32"],
     "mnist-softmax-plain.pt"),
])
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(capsys, tmp_path, monkeypatch, argv, file):
    _full_disk(monkeypatch)
    code, _, err = run(capsys, *argv, "--output", str(tmp_path))
    assert f"cannot write {file} in {tmp_path}" in _one_line_exit_2(code, err) and "disk full" in err
    assert list(tmp_path.iterdir()) == []  # neither the truncated file nor a temporary one


def test_train_zoo_into_a_read_only_folder_is_refused_before_training(capsys, unwritable_zoo_folder):
    """The folder was found unwritable only once the model was trained; root ignores chmod, so there os.open
    refuses new files in the folder instead."""
    folder = unwritable_zoo_folder
    code, _, err = run(capsys, "train-zoo", "--only", "mnist-softmax", "--output", str(folder))
    assert f"cannot write in {folder}: Permission denied" in _one_line_exit_2(code, err)
    assert list(folder.iterdir()) == []
