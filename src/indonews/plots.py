"""Pictures of a run: the training curve and an entity-type confusion matrix, as PNG files.

Counting is kept apart from drawing (:func:`indonews.ner.metrics.confusion_counts` and
:func:`training_curve_points` are pure); matplotlib is imported only to draw, with the Agg backend, so
nothing here needs a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from indonews.ner.metrics import MISSED, SPURIOUS
from indonews.outputs import atomic_path


def training_curve_points(log_history: Sequence[dict], metric: str = "eval_f1") -> dict[str, list[tuple]]:
    """``(step, value)`` series from a Trainer's ``state.log_history`` (what train.py saves as trainer_log.json).

    ``train_loss`` comes from the periodic logs (``loss``), ``eval_loss`` and ``eval_f1`` (or ``metric``)
    from each evaluation; the end-of-training summary (``train_loss`` averaged over the run) is left out.

    >>> training_curve_points([{"loss": 2.0, "step": 10}, {"eval_loss": 1.5, "eval_f1": 0.3, "step": 20},
    ...                        {"train_loss": 1.8, "step": 20}])
    {'train_loss': [(10, 2.0)], 'eval_loss': [(20, 1.5)], 'eval_f1': [(20, 0.3)]}
    """
    out: dict[str, list[tuple]] = {"train_loss": [], "eval_loss": [], metric: []}
    for row in log_history:
        step = row.get("step")
        if step is None:
            continue
        if "loss" in row:
            out["train_loss"].append((step, float(row["loss"])))
        if "eval_loss" in row:
            out["eval_loss"].append((step, float(row["eval_loss"])))
        if metric in row:
            out[metric].append((step, float(row[metric])))
    return out


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path, dpi: int) -> Path:
    """Save atomically (:func:`indonews.outputs.atomic_path`): readers never see half a picture."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return Path(path)


def plot_training_curve(
    log_history: Sequence[dict], path: str | Path, title: str | None = None, metric: str = "eval_f1", dpi: int = 100
) -> Path:
    """Train loss (and dev loss) on the left axis, dev F1 per evaluation on the right, against the step.

    The dev F1 is the Trainer's own (first sub-tokens, argmax, what early stopping watches), not the
    word-level report; the best evaluation is marked. Raises ValueError on a history with no losses.
    """
    pts = training_curve_points(log_history, metric)
    if not pts["train_loss"] and not pts[metric]:
        raise ValueError("the log history has neither training losses nor evaluations to plot")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    try:
        if pts["train_loss"]:
            ax.plot(*zip(*pts["train_loss"]), color="tab:blue", lw=1.2, label="train loss")
        if pts["eval_loss"]:
            ax.plot(*zip(*pts["eval_loss"]), color="tab:blue", ls="--", marker=".", lw=1, label="dev loss")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("loss", color="tab:blue")
        ax.grid(alpha=0.3)
        handles, names = ax.get_legend_handles_labels()
        if pts[metric]:
            ax2 = ax.twinx()
            steps, values = zip(*pts[metric])
            name = metric.removeprefix("eval_").replace("f1", "F1")
            ax2.plot(steps, values, color="tab:red", marker="o", ms=3, lw=1.2, label=f"dev {name}")
            best = max(range(len(values)), key=values.__getitem__)
            ax2.annotate(
                f"best {values[best]:.3f}",
                (steps[best], values[best]),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color="tab:red",
            )
            ax2.set_ylim(0, 1)
            ax2.set_ylabel(f"dev {name} (Trainer evaluation)", color="tab:red")
            h2, n2 = ax2.get_legend_handles_labels()
            handles, names = handles + h2, names + n2
        ax.legend(handles, names, loc="center right", fontsize=8)
        ax.set_title(title or "Training curve: train loss and dev F1 per evaluation", fontsize=10)
        fig.tight_layout()
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def plot_confusion(confusion: dict, path: str | Path, split: str = "", dpi: int = 100) -> Path:
    """Draw :func:`indonews.ner.metrics.confusion_counts` output as an annotated heat map (the definition is in
    the title)."""
    plt = _pyplot()
    rows, cols, counts = confusion["rows"], confusion["cols"], confusion["counts"]
    fig, ax = plt.subplots(figsize=(6, 5.2))
    try:
        ax.imshow(counts, cmap="Blues")
        peak = max((c for row in counts for c in row), default=0) or 1
        for i, row in enumerate(counts):
            for j, c in enumerate(row):
                impossible = rows[i] == SPURIOUS and cols[j] == MISSED
                colour = "white" if c > peak / 2 else "black"
                ax.text(j, i, "–" if impossible else str(c), ha="center", va="center", color=colour, fontsize=10)
        ax.set_xticks(range(len(cols)), cols)
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel("predicted type (missed: no predicted span with the gold extent)")
        ax.set_ylabel("gold type (spurious: no gold span with the predicted extent)")
        where = f" on {split}" if split else ""
        ax.set_title(
            f"Entity types{where}: gold vs predicted for spans matching exactly\n"
            "(word-level extents; a boundary error is one missed + one spurious)",
            fontsize=9,
        )
        fig.tight_layout()
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)
