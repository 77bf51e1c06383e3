import numpy as np

from indonews.ner.decoding import allowed_transitions, decode_words, merge_windows, viterbi
from indonews.ner.features import Window
from indonews.schema import ID2LABEL, LABEL2ID


def logits_for(tags, strength=3.0):
    x = np.zeros((len(tags), len(ID2LABEL)))
    for i, t in enumerate(tags):
        for lab, v in t.items():
            x[i, LABEL2ID[lab]] = v * strength
    return x


def test_constrained_decoding_repairs_an_orphan_inside_tag():
    # argmax says O, I-LEADER: illegal in IOB2; constrained decoding gives a proper B- start
    lg = logits_for([{"O": 1.0}, {"I-LEADER": 1.0, "B-LEADER": 0.9}, {"I-LEADER": 1.0}])
    words = [(0, 3), (4, 8), (9, 14)]
    assert decode_words(lg, words, ID2LABEL, constrained=True)[0][:3] == (4, 14, "LEADER")
    loose = decode_words(lg, words, ID2LABEL, constrained=False)
    assert loose[0][:3] == (4, 14, "LEADER")  # lenient reading also opens a span, but...
    lg2 = logits_for([{"B-DATE": 1.0}, {"I-LEADER": 1.0, "I-DATE": 0.95}])
    assert decode_words(lg2, words[:2], ID2LABEL, constrained=True)[0][:3] == (0, 8, "DATE")
    assert [s[2] for s in decode_words(lg2, words[:2], ID2LABEL, constrained=False)] == ["DATE", "LEADER"]


def test_viterbi_never_emits_an_illegal_path():
    rng = np.random.default_rng(0)
    start, trans = allowed_transitions(ID2LABEL)
    for _ in range(50):
        path = viterbi(np.log(rng.dirichlet(np.ones(7), size=12)), start, trans)
        assert start[path[0]]
        assert all(trans[a, b] for a, b in zip(path, path[1:]))


def test_viterbi_finds_the_best_legal_path():
    import itertools

    rng = np.random.default_rng(1)
    start, trans = allowed_transitions(ID2LABEL)
    for n in (1, 2, 3, 4):
        for _ in range(10):
            logp = np.log(rng.dirichlet(np.ones(7) * 0.3, size=n))
            legal = [
                p
                for p in itertools.product(range(7), repeat=n)
                if start[p[0]] and all(trans[a, b] for a, b in zip(p, p[1:]))
            ]
            best = max(legal, key=lambda p: logp[np.arange(n), p].sum())
            assert viterbi(logp, start, trans) == list(best)


def test_viterbi_shortcut_for_a_legal_argmax_is_the_dynamic_programmes_answer():
    def dense(logp):  # the dynamic programme alone, without the shortcut
        pen = np.where(trans, 0.0, -1e9)
        score, back = np.where(start, logp[0], -1e9), []
        for row in logp[1:]:
            cand = score[:, None] + pen
            back.append(cand.argmax(axis=0))
            score = cand.max(axis=0) + row
        path = [int(score.argmax())]
        for b in reversed(back):
            path.append(int(b[path[-1]]))
        return path[::-1]

    rng = np.random.default_rng(2)
    start, trans = allowed_transitions(ID2LABEL)
    for n in (5, 60, 700):
        # a legal path (O, then B-X I-X ... runs) made the per-word argmax, over random noise
        tags = []
        while len(tags) < n:
            lab = rng.choice(["LEADER", "VENUE", "DATE", None], p=[0.1, 0.1, 0.1, 0.7])
            tags += ["O"] if lab is None else [f"B-{lab}"] + [f"I-{lab}"] * int(rng.integers(0, 3))
        logits = rng.normal(size=(n, 7))
        logits[np.arange(n), [LABEL2ID[t] for t in tags[:n]]] += 10.0
        logp = np.log(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
        assert viterbi(logp, start, trans) == dense(logp) == [LABEL2ID[t] for t in tags[:n]]


def test_merge_windows_reads_an_overlapping_word_from_the_window_surest_it_is_an_entity():
    # two windows over 4 words; words 1 and 2 are in both
    a = Window(0, [0] * 5, [(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)], [None, 0, 1, 2, None])
    b = Window(0, [0] * 5, [(0, 0), (4, 7), (8, 11), (12, 15), (0, 0)], [None, 1, 2, 3, None])
    la, lb = np.zeros((5, 7)), np.zeros((5, 7))
    la[3, LABEL2ID["O"]] = 9  # A: word 2 is outside, sure of it
    lb[2, LABEL2ID["B-VENUE"]] = 3  # B: word 2 begins a venue, less sure, but it sees an entity
    la[2, LABEL2ID["B-DATE"]] = 5  # A: word 1 begins a date ...
    lb[1, LABEL2ID["B-LEADER"]] = 4  # ... B: a leader, less sure: A's reading stands
    words, lg = merge_windows([a, b], [la, lb])
    assert words == [(0, 3), (4, 7), (8, 11), (12, 15)]
    assert lg[1].argmax() == LABEL2ID["B-DATE"]
    assert lg[2].argmax() == LABEL2ID["B-VENUE"]
    # the label ids are the model's: O need not be id 0
    order = [LABEL2ID["B-VENUE"], *[i for i in range(7) if i != LABEL2ID["B-VENUE"]]]
    _, lg = merge_windows([a, b], [la[:, order], lb[:, order]], outside=order.index(LABEL2ID["O"]))
    assert order[lg[2].argmax()] == LABEL2ID["B-VENUE"]
