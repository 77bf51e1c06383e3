"""Model outputs -> entity spans: merge overlapping windows, decode IOB2 (optionally constrained).

A word inside the overlap of two windows is read from the window that most believes it is part of
an entity (highest 1 - P(O)). A window's edge cuts a name's context, and a model short of context
mostly misses an entity rather than inventing one, so the more confident window is kept: on the
tiny model's dev split this scored better than reading the word from the window where it is most
central, or averaging the windows (README, "Speed"), and it is what the transformers pipeline does
with overlapping chunks, so the two agree on the spans they find.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indonews.ner.alignment import word_starts
from indonews.ner.features import Window


def merge_windows(
    windows: Sequence[Window], logits: Sequence[np.ndarray], outside: int = 0
) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Word extents (char offsets) and one row of logits per word, for the windows of one document.

    ``outside`` is the label id of ``O``; a word seen by several windows takes the row of the window
    giving it the highest entity probability.
    """
    extent: dict[int, list[int]] = {}
    for w in windows:
        for (s, e), wid in zip(w.offsets, w.word_ids):
            if wid is None or e <= s:
                continue
            ext = extent.setdefault(wid, [s, e])
            ext[0], ext[1] = min(ext[0], s), max(ext[1], e)
    best: dict[int, tuple[float, np.ndarray]] = {}
    for w, lg in zip(windows, logits):
        entity = 1.0 - softmax(np.asarray(lg, dtype=np.float64))[:, outside] if len(windows) > 1 else None
        for i, first in enumerate(word_starts(w.offsets, w.word_ids)):
            wid = w.word_ids[i]
            # only the word's real first piece counts: a window may begin in the middle of a word
            if not first or w.offsets[i][0] != extent[wid][0]:
                continue
            p = entity[i] if entity is not None else 0.0
            if wid not in best or p > best[wid][0]:
                best[wid] = (p, lg[i])
    order = sorted(best)
    if not order:
        return [], np.zeros((0, 0), dtype=np.float32)
    return [tuple(extent[w]) for w in order], np.stack([best[w][1] for w in order])


def allowed_transitions(id2label: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Masks of IOB2-legal starts and transitions: ``I-X`` only after ``B-X`` or ``I-X``."""
    n = len(id2label)
    start = np.ones(n, dtype=bool)
    trans = np.ones((n, n), dtype=bool)
    for j in range(n):
        kind, _, lab = id2label[j].partition("-")
        if kind != "I":
            continue
        start[j] = False
        for i in range(n):
            prev_kind, _, prev_lab = id2label[i].partition("-")
            trans[i, j] = prev_kind in ("B", "I") and prev_lab == lab
    return start, trans


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def viterbi(logp: np.ndarray, start: np.ndarray, trans: np.ndarray) -> list[int]:
    """Best label path under the IOB2 constraints (log-probabilities per word and label).

    The constraints only forbid, they carry no scores, so when the per-word argmax is a legal path it is
    the best legal path and the dynamic programme is skipped.
    """
    n_words, _ = logp.shape
    if n_words == 0:
        return []
    best = logp.argmax(axis=-1)
    if start[best[0]] and trans[best[:-1], best[1:]].all():
        return best.tolist()
    neg = -1e9
    score = np.where(start, logp[0], neg)
    trans_pen = np.where(trans, 0.0, neg)
    back = np.zeros(logp.shape, dtype=np.int64)
    for t in range(1, n_words):
        cand = score[:, None] + trans_pen  # prev x next
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + logp[t]
    path = [int(score.argmax())]
    for t in range(n_words - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def decode_words(
    word_logits: np.ndarray,
    word_offsets: Sequence[tuple[int, int]],
    id2label: dict[int, str],
    constrained: bool = True,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
    text: str | None = None,
) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, label, score)``; the score is the mean probability of the span's tags.

    With ``text``, no span crosses a line break: an ``I`` tag after a line break starts a new span, as
    a headline, a caption or a list line never runs on into the next line.

    >>> id2label = {0: "O", 1: "B-VENUE", 2: "I-VENUE"}
    >>> logits = np.log(np.array([[.1, .8, .1], [.1, .1, .8], [.1, .1, .8]]))
    >>> [(s, e) for s, e, *_ in decode_words(logits, [(0, 6), (7, 13), (15, 26)], id2label, text="Istana Negara\\n\\nPemerintahan")]
    [(0, 13), (15, 26)]
    """
    if len(word_offsets) == 0:
        return []
    logp = log_softmax(word_logits.astype(np.float64))
    if constrained:
        start, trans = masks or allowed_transitions(id2label)
        path = viterbi(logp, start, trans)
    else:
        path = logp.argmax(axis=-1).tolist()
    probs = np.exp(logp[np.arange(len(path)), path])
    spans: list[tuple[int, int, str, float]] = []
    cur: list | None = None
    for k, (lab_id, (s, e)) in enumerate(zip(path, word_offsets)):
        kind, _, lab = id2label[lab_id].partition("-")
        broken = cur is not None and text is not None and "\n" in text[cur[1] : s]
        if kind == "B" or (kind == "I" and (cur is None or cur[2] != lab or broken)):
            if cur:
                spans.append(cur)
            cur = [s, e, lab, [probs[k]]]
        elif kind == "I":
            cur[1] = e
            cur[3].append(probs[k])
        else:
            if cur:
                spans.append(cur)
            cur = None
    if cur:
        spans.append(cur)
    return [(s, e, lab, float(np.mean(p))) for s, e, lab, p in spans]
