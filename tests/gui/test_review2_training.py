"""Second review: the adversarial training panel says where its models went."""

from __future__ import annotations

from explain_helpers import start_training


def test_models_trained_while_the_data_set_changed_are_not_said_to_be_listed(window, qtbot, idle):
    # the panel said "added mnist-softmax-plain-1 and mnist-softmax-advtrained-1 to the models list (checked: …)"
    # while the list showed Fashion-MNIST's models, without them
    panel = start_training(window)
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
    panel = start_training(window)
    qtbot.waitUntil(lambda: "training" in window.explain.states and window.explain.states["training"].complete,
                    timeout=60000)
    idle(window)
    names = window.explain.states["training"].header.names
    assert f"added <b>{names[0]}</b> and <b>{names[1]}</b> to the models list" in panel.status.text()
    listed = [window.controls.models.item(row).text().split("  · ")[0]  # "name  · 19.7% clean"
              for row in range(window.controls.models.count())]
    assert set(names) <= set(listed)
