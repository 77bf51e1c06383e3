"""Window length and stride: one rule, in indonews.ner.features, for training and prediction alike."""

import pytest
from conftest import run_script, tiny_overrides

from indonews.ner.features import WindowError, check_stride, encode_windows, training_features, window_lengths


@pytest.fixture(scope="module")
def tiny_model(tiny_backbone):
    """The fixture backbone with a token-classification head: 128 positions."""
    from indonews.ner.training import build_model

    tokenizer, model = build_model(str(tiny_backbone))
    return model, tokenizer


@pytest.mark.parametrize("stride", [62, 64, -1])
def test_a_stride_training_refuses_prediction_refuses_in_the_same_words(tiny_model, mini_docs, stride):
    from indonews.predict import Extractor

    model, tokenizer = tiny_model
    with pytest.raises(WindowError) as training:
        training_features(mini_docs[:1], tokenizer, max_length=64, stride=stride)
    with pytest.raises(WindowError) as prediction:
        Extractor(model, tokenizer, max_length=64, stride=stride)  # it used to take min(stride, 32) silently
    assert str(prediction.value) == str(training.value)
    assert f"stride {stride} must be at least 0 and below max_length 64 minus 2 special tokens" in str(training.value)


def test_prediction_reads_with_the_stride_training_read_with(tiny_model, mini_docs):
    from indonews.predict import Extractor

    model, tokenizer = tiny_model
    ex = Extractor(model, tokenizer, max_length=64, stride=40)
    assert (ex.max_length, ex.stride) == (64, 40)  # above max_length // 2, which prediction used to cut it to
    long_text = " ".join(d.text for d in mini_docs)
    windows = encode_windows([long_text], tokenizer, ex.max_length, ex.stride)
    assert len(windows) > 2
    assert len(list(ex.predict([long_text]))) == 1


def test_max_length_is_capped_at_what_the_model_takes_and_the_stride_checked_after(tiny_model):
    from indonews.predict import Extractor

    model, tokenizer = tiny_model
    assert model.config.max_position_embeddings == 128
    assert window_lengths(512, 100, model, tokenizer) == (128, 100)
    assert (Extractor(model, tokenizer, max_length=512, stride=100).max_length) == 128
    with pytest.raises(WindowError, match="max_length 512 was capped at the 128 tokens the model takes"):
        window_lengths(512, 127, model, tokenizer)
    assert window_lengths(512, 127) == (512, 127)  # without a model nothing caps it


def test_check_stride_counts_the_special_tokens():
    check_stride(10, 7, special_tokens=2)
    with pytest.raises(WindowError):
        check_stride(10, 7, special_tokens=3)


def test_train_refuses_a_bad_stride_in_one_line(tiny_backbone, corpus_dir, tmp_path):
    # tiny_overrides reads windows of 64 tokens
    proc = run_script("train", *tiny_overrides(tiny_backbone, corpus_dir, tmp_path), "model.stride=62", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error: stride 62 must be at least 0 and below max_length 64 minus 2 special tokens" in proc.stderr
    assert not (tmp_path / "model").exists()
