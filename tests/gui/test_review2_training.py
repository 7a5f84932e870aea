"""Second review: the adversarial training panel says where its models went."""

from __future__ import annotations


def train(window, qtbot):
    panel = window.explain.panels["training"]
    panel.architecture.setCurrentIndex(panel.architecture.findData("softmax"))
    panel.samples.setValue(200)
    panel.epochs.setValue(1)
    window.explain.show("training")
    panel.train.click()
    return panel


def test_models_trained_while_the_data_set_changed_are_not_said_to_be_listed(window, qtbot, idle):
    # the panel said "added mnist-softmax-plain-1 and mnist-softmax-advtrained-1 to the models list (checked: …)"
    # while the list showed Fashion-MNIST's models, without them
    panel = train(window, qtbot)
    window.choose_dataset("fashion")
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    state = window.explain.states["training"]
    text = panel.status.text()
    assert window.dataset == "fashion"
    assert not any(model.path == spec.path for model in state.trained.values() for spec in window.specs.values())
    assert "added" not in text
    names = state.header.names
    assert f"saved <b>{names[0]}</b> and <b>{names[1]}</b> in " in text and "they take mnist images" in text


def test_models_trained_on_the_shown_data_set_are_said_to_be_listed(window, qtbot, idle):
    panel = train(window, qtbot)
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    names = window.explain.states["training"].header.names
    assert f"added <b>{names[0]}</b> and <b>{names[1]}</b> to the models list" in panel.status.text()
    listed = [window.controls.models.item(row).text() for row in range(window.controls.models.count())]
    assert set(names) <= set(listed)
