"""Backbone resolution fails fast and clearly; model configs with a build section are built locally."""

import pytest

from indonews.backbone import BackboneUnavailable, masked_lm_loss, resolve_backbone


def test_missing_local_directory_is_named(tmp_path):
    with pytest.raises(BackboneUnavailable, match="no such directory"):
        resolve_backbone(str(tmp_path / "not-built-yet"))


def test_existing_directory_loads_locally(tiny_backbone):
    assert resolve_backbone(str(tiny_backbone)) == (str(tiny_backbone), True)


def test_sparse_masked_lm_loss_equals_the_full_head(tiny_backbone):
    import torch
    from transformers import BertForMaskedLM

    model = BertForMaskedLM.from_pretrained(tiny_backbone).eval()
    torch.manual_seed(0)
    ids = torch.randint(5, model.config.vocab_size, (3, 24))
    mask = torch.ones_like(ids)
    mask[2, 18:] = 0
    labels = torch.full_like(ids, -100)
    labels[:, 3] = ids[:, 3]
    labels[0, 10] = ids[0, 10]
    with torch.no_grad():
        full = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        sparse = masked_lm_loss(model, ids, mask, labels)
    assert torch.allclose(full, sparse, atol=1e-5)


def test_pretraining_runs_resumes_and_writes_a_loadable_backbone(tmp_path, mini_docs, monkeypatch):
    from conftest import TINY_TEST_BUILD
    from transformers import AutoModelForMaskedLM, Trainer

    resumed_from = []
    train = Trainer.train

    def spy(self, *args, **kwargs):
        resumed_from.append(kwargs.get("resume_from_checkpoint"))
        return train(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "train", spy)

    from indonews.backbone import TinySpec, build_tiny_backbone

    texts = [d.text for d in mini_docs] * 4
    spec = dict(TINY_TEST_BUILD, pretrain_steps=4, pretrain_batch_size=2, pretrain_seq_len=32)
    out = tmp_path / "tiny-base"
    build_tiny_backbone(out, texts, TinySpec(**spec), show_progress=False)
    checkpoints = sorted(p.name for p in (tmp_path / "tiny-base.work" / "checkpoints").iterdir())
    assert checkpoints == ["checkpoint-4"]
    build_tiny_backbone(out, texts, TinySpec(**dict(spec, pretrain_steps=6)), show_progress=False)
    assert resumed_from[0] is None and resumed_from[1].endswith("checkpoint-4")
    assert (tmp_path / "tiny-base.work" / "checkpoints" / "checkpoint-6").is_dir()
    assert AutoModelForMaskedLM.from_pretrained(out).config.vocab_size > 100
    assert not (tmp_path / "tiny-base.partial").exists()


def test_word2vec_embeddings_put_pieces_of_similar_contexts_close(cased_tokenizer):
    import torch

    from indonews.backbone import word2vec_embeddings

    days = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"]
    cities = ["Jakarta", "Surabaya", "Bandung", "Medan", "Makassar"]
    texts = [f"Rapat itu digelar pada hari {d} pagi di kantor." for d in days] * 40
    texts += [f"Ia tiba di kota {c} dengan pesawat." for c in cities] * 40
    emb = word2vec_embeddings(texts, cased_tokenizer, dim=16, seed=1)
    assert emb.shape == (len(cased_tokenizer), 16)
    assert abs(float(emb.std()) - 0.02) < 0.01  # the scale of BERT's own initialisation

    def vec(word):
        ids = cased_tokenizer(word, add_special_tokens=False)["input_ids"]
        return emb[ids].mean(0)

    cos = torch.nn.functional.cosine_similarity
    same = cos(vec("Senin"), vec("Kamis"), dim=0)
    across = cos(vec("Senin"), vec("pesawat"), dim=0)
    assert same > across
