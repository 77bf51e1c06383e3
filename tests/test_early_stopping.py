"""Early stopping on dev F1 counts its patience from the first evaluation above zero."""

from types import SimpleNamespace

import pytest

from indonews.ner.training import early_stopping


def run(f1s, patience=2):
    """Feed dev F1s as the Trainer would (best_metric follows the best so far); return where it stopped."""
    cb = early_stopping(patience)
    args = SimpleNamespace(metric_for_best_model="f1", greater_is_better=True)
    state = SimpleNamespace(best_metric=None)
    for n, f1 in enumerate(f1s, 1):
        control = SimpleNamespace(should_training_stop=False)
        cb.on_evaluate(args, state, control, {"eval_f1": f1})
        state.best_metric = f1 if state.best_metric is None else max(state.best_metric, f1)
        if control.should_training_stop:
            return n
    return None


@pytest.mark.parametrize(
    ("f1s", "stops_after"),
    [
        ([0.0, 0.0, 0.0, 0.0, 0.26, 0.45], None),  # warm-up epochs at zero are not lost patience
        ([0.0, 0.0, 0.3, 0.2, 0.25], 5),  # once started, two evaluations without a gain stop it
        ([0.5, 0.4, 0.4], 3),  # a run that starts at once behaves as the stock callback
        ([0.5, 0.6, 0.0, 0.0], 4),  # a collapse to zero after a start still counts
    ],
)
def test_patience_starts_at_the_first_nonzero_f1(f1s, stops_after):
    assert run(f1s) == stops_after
