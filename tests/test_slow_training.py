"""Real training on the shipped corpus (slow: a few minutes on 2 CPU cores; deselect with -m "not slow")."""

import json

import pytest
from conftest import run_script


@pytest.mark.slow
def test_tiny_model_learns_the_corpus(tmp_path):
    """A small BERT trained from scratch on data/train.jsonl must find entities in dev it has never seen.

    No pretraining and no download: the WordPiece vocabulary is built from the training split alone, so the
    floor below is far under what the pretrained tiny model reaches (README, "Results").
    """
    run_script(
        "train",
        "experiment=tiny_scratch",
        f"model.name_or_path={tmp_path / 'backbone'}",
        "model.build.use_nlp_id=false",
        "model.build.vocab_size=4000",
        "model.build.hidden_size=128",
        "model.build.num_hidden_layers=2",
        "model.build.num_attention_heads=2",
        "model.build.intermediate_size=512",
        "trainer.args.num_train_epochs=8",
        "trainer.args.learning_rate=1e-3",
        "relations.args.num_train_epochs=5",  # the bar below is far under what 5 epochs reach
        "plots=false",
        "quantize_check=false",  # tested in test_training.py
        f"model_dir={tmp_path / 'model'}",
        f"hydra.run.dir={tmp_path / 'run'}",
        timeout=1500,
    )
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    dev = metrics["dev"]["entities"]
    assert dev["micro"]["f1"] > 0.30, dev["micro"]
    assert dev["DATE"]["f1"] > 0.30, dev["DATE"]
    # relations were trained too (tasks: [ner, relations]); on gold entities they must beat chance clearly
    rel = metrics["dev"]["relations"]["gold_entities"]["micro"]
    assert rel["f1"] > 0.5, rel
