"""Second review: the "Load your own model" dialog says what its entries lack before it closes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from advviz.gui.byo_dialog import UserModelDialog


def press_ok(qtbot, dialog):
    button = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def torchscript_dialog(qtbot, path):
    dialog = UserModelDialog("mnist")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.torchscript.setChecked(True)
    dialog.path.setText(str(path))
    dialog.channels.setValue(1)
    dialog.size.setValue(28)
    return dialog


def test_imagenet_normalization_on_a_one_channel_model_is_refused_in_the_dialog(qtbot, tmp_path):
    # OK closed the dialog and the window then said "normalization mean has 3 values": every entry was lost
    path = tmp_path / "mine.pt"
    path.write_bytes(b"x")
    dialog = torchscript_dialog(qtbot, path)  # mean/std keep ImageNet's three values
    press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.message.text() == "normalization mean has 3 values; give 1 or one per input channel (1)"
    dialog.mean.setText("0")
    dialog.std.setText("1")
    press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_missing_files_are_named_in_the_dialog(qtbot, tmp_path):
    dialog = torchscript_dialog(qtbot, tmp_path / "nowhere.pt")
    dialog.mean.setText("0")
    dialog.std.setText("1")
    press_ok(qtbot, dialog)
    assert dialog.message.text() == f"model file not found: {tmp_path / 'nowhere.pt'}"
    (tmp_path / "nowhere.pt").write_bytes(b"x")
    dialog.class_source.setCurrentIndex(dialog.class_source.findData("file"))
    press_ok(qtbot, dialog)
    assert dialog.message.text() == "choose a class-names file (one name per line)"
    dialog.class_file.setText(str(tmp_path / "classes.txt"))
    press_ok(qtbot, dialog)
    assert dialog.message.text() == f"class-names file not found: {tmp_path / 'classes.txt'}"
    (tmp_path / "classes.txt").write_text("\n".join(str(i) for i in range(10)))
    dialog.images.setText(str(tmp_path / "digits"))
    press_ok(qtbot, dialog)
    assert dialog.message.text() == f"images not found: {tmp_path / 'digits'}"
    assert dialog.isVisible()
    dialog.images.setText("")
    press_ok(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
