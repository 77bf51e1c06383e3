import types

import pytest
import torch

from indonews import Extractor
from indonews.schema import ENTITY_LABELS, LABEL2ID, bad_edge


def check_offsets(text, ents):
    for e in ents:
        assert 0 <= e.start < e.end <= len(text)
        assert e.text == text[e.start : e.end]
        assert e.label in ENTITY_LABELS and 0.0 <= e.score <= 1.0
        assert not bad_edge(e.text)  # predictions are valid annotations, so they can be fed back
    spans = sorted((e.start, e.end) for e in ents)
    assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:]))


def test_call_and_predict_agree_and_keep_order(ex, mini_docs):
    texts = [d.text for d in mini_docs]
    one_by_one = [ex(t) for t in texts]
    streamed = list(ex.predict((t for t in texts), batch_size=2))  # any iterable, small batches
    assert len(streamed) == len(texts)
    for t, a, b in zip(texts, one_by_one, streamed):
        check_offsets(t, a)
        assert [(e.start, e.end, e.label) for e in a] == [(e.start, e.end, e.label) for e in b]
    assert len(list(ex.predict(texts[0]))) == 1  # a string is one text


@pytest.mark.parametrize("text", ["", "   \n\t ", "🇮🇩🎉 Presiden 🙂 tiba", "\x00\x07 kontrol", "x" * 3000])
def test_odd_inputs_give_valid_offsets(ex, text):
    check_offsets(text, ex(text))


class EveryWordIsADate(torch.nn.Module):
    """Stands in for a model: says B-DATE (or I-DATE) on every token, whatever the input."""

    def __init__(self, config, tag="B-DATE"):
        super().__init__()
        self.config, self.tag = config, tag

    def forward(self, input_ids, attention_mask):
        logits = torch.zeros((*input_ids.shape, len(self.config.id2label)))
        logits[..., LABEL2ID[self.tag]] = 10.0
        return types.SimpleNamespace(logits=logits)


@pytest.mark.parametrize("text", ["pada Jumat (", "(Senin (12/5)).", "di -- Bali, ,", "“Kemarin”"])
def test_spans_swallowing_punctuation_are_trimmed_to_valid_annotations(ex, text):
    stub = Extractor(EveryWordIsADate(ex.model.config, "I-DATE"), ex.tokenizer, max_length=32, stride=8)
    ents = stub(text)
    assert ents
    check_offsets(text, ents)


def test_long_documents_are_read_in_full_not_truncated(ex):
    stub = Extractor(EveryWordIsADate(ex.model.config), ex.tokenizer, max_length=32, stride=8)
    words = [f"kata{i}" for i in range(400)]
    text = " ".join(words)
    ents = stub(text)
    assert [e.text for e in ents] == words  # every word, once, in order: windows merged without gaps


def test_a_single_long_document_reports_progress_in_windows_pairs_and_meetings(ex, mini_docs):
    stub = Extractor(EveryWordIsADate(ex.model.config), ex.tokenizer, max_length=32, stride=8)
    text = " ".join(f"kata{i}" for i in range(2000))
    seen = []
    (doc,) = stub.annotate([text], batch_size=4, progress=lambda *args: seen.append(args))
    total = seen[-1][2]
    assert total > 50 and seen[-1] == ("windows", total, total)  # one document, many windows, counted to the end
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen) and {t for *_, t in seen} == {total}
    assert len(seen) == -(-total // 4)  # after every batch of 4 windows
    assert [e.text for e in doc.entities][:3] == ["kata0", "kata1", "kata2"]  # progress changes nothing

    long = " ".join(d.text for d in mini_docs) * 3  # with the relation model: its pairs, then the meetings
    seen.clear()
    (doc,) = ex.annotate([long], batch_size=8, progress=lambda *args: seen.append(args))
    stages = [stage for stage, *_ in seen]
    assert stages == sorted(stages, key=["windows", "pairs", "meetings"].index) and "pairs" in stages
    assert seen[-1] == ("meetings", 1, 1) and doc.relations == next(ex.annotate([long], batch_size=8)).relations


def test_annotate_keeps_ids_and_meta(ex, mini_docs):
    docs = list(ex.annotate(mini_docs[:2]))
    assert [d.id for d in docs] == [d.id for d in mini_docs[:2]]
    assert docs[0].meta == mini_docs[0].meta
    # the fixture model was trained with relations, so annotate replaces the gold relations by predicted
    # ones, all between the predicted entities
    ids = {e.id for e in docs[0].entities}
    assert all(r.head in ids and r.tail in ids and r.score is not None for r in docs[0].relations)
    assert docs[0].meetings is not None


def test_bfloat16_extractor_gives_valid_entities(trained_model):
    import torch

    ex16 = Extractor.from_pretrained(trained_model, dtype="bfloat16")
    assert next(ex16.model.parameters()).dtype == torch.bfloat16
    text = "Presiden Prabowo Subianto tiba di Istana Bogor, Senin (12/5)."
    check_offsets(text, ex16(text))
    with pytest.raises(ValueError, match="dtype 'int4'"):
        Extractor.from_pretrained(trained_model, dtype="int4")


def test_bfloat16_is_chosen_only_where_the_device_computes_it(monkeypatch):
    import torch

    from indonews import predict

    monkeypatch.setattr(predict, "fast_bfloat16", lambda device: False)
    assert predict.resolve_dtype("auto", "cpu") == torch.float32
    assert predict.resolve_dtype(None, "cpu") == torch.float32
    with pytest.warns(RuntimeWarning, match="emulated and slower than float32"):
        assert predict.resolve_dtype("bfloat16", "cpu") == torch.bfloat16  # asked for explicitly: kept
    monkeypatch.setattr(predict, "fast_bfloat16", lambda device: True)
    assert predict.resolve_dtype("auto", "cpu") == torch.bfloat16


def test_fast_bfloat16_follows_the_cpu_flags(monkeypatch, tmp_path):
    import torch

    from indonews import predict

    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    real_path = predict.Path
    monkeypatch.setattr(predict, "Path", lambda p: cpuinfo if p == "/proc/cpuinfo" else real_path(p))
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512bw\n")
    assert not predict.fast_bfloat16("cpu")  # AVX-512 without its BF16 extension: emulated
    cpuinfo.write_text("flags\t\t: fpu avx2 avx512f avx512bw avx512_bf16\n")
    assert predict.fast_bfloat16("cpu")
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False, raising=False)
    assert not predict.fast_bfloat16("cpu")


def test_int8_extractor_quantizes_the_linear_layers_and_keeps_most_spans(trained_model):
    import torch

    ex32 = Extractor.from_pretrained(trained_model, device="cpu", runtime="torch", relations=None)
    ex8 = Extractor.from_pretrained(trained_model, device="cpu", quantize="int8", runtime="torch", relations=None)
    linear = [name for name, m in ex8.model.named_modules() if type(m) is torch.nn.Linear]
    assert linear == ["classifier"]  # the head stays float32; every encoder layer is int8
    int8 = [m for m in ex8.model.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
    assert len(int8) == 6 * len(
        ex8.model.bert.encoder.layer
    )  # query, key, value, attention output, intermediate, output
    texts = [
        "Presiden Prabowo Subianto tiba di Istana Bogor, Senin (12/5).",
        "Gubernur Jawa Tengah Ahmad Luthfi bertemu Wali Kota Semarang di Balai Kota, Rabu (3/9/2025).",
    ] * 4
    spans32 = {(i, e.start, e.end, e.label) for i, ents in enumerate(ex32.predict(texts)) for e in ents}
    out8 = list(ex8.predict(texts))
    for text, ents in zip(texts, out8):
        check_offsets(text, ents)
    spans8 = {(i, e.start, e.end, e.label) for i, ents in enumerate(out8) for e in ents}
    assert spans32 and len(spans32 & spans8) >= 0.75 * len(spans32)


def test_int8_is_refused_where_it_cannot_run(trained_model):
    with pytest.raises(ValueError, match="quantize 'int4'"):
        Extractor.from_pretrained(trained_model, device="cpu", quantize="int4")
    with pytest.raises(ValueError, match="CPU only"):
        Extractor.from_pretrained(trained_model, device="cuda", quantize="int8")
    with pytest.raises(ValueError, match="drop dtype='bfloat16'"):
        Extractor.from_pretrained(trained_model, device="cpu", quantize="int8", dtype="bfloat16")
