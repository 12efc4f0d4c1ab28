"""A lean sentence encoder for BERT-type sentence-transformers models (all-MiniLM-L6-v2): torch, no transformers.

The needs tree embeds a few thousand short remarks per run; with
sentence-transformers most of a cold run went into importing it and
``transformers`` (several seconds of CPU) and into padding. This module runs
the same computation directly: the model's own ``tokenizer.json`` (the
``tokenizers`` package), its ``model.safetensors`` weights (``safetensors``),
and the BERT forward pass written out in torch (word, position and type
embeddings, ``num_hidden_layers`` post-norm encoder layers with exact GELU,
mean pooling over the tokens, L2 normalisation), as sentence-transformers
does with ``Transformer → Pooling(mean) → Normalize``. Remarks are grouped
by their exact number of word pieces, so no batch carries padding. The
vectors agree with sentence-transformers' to float32 rounding (cosine
1 − 1e-6 or closer; ``tests/test_embedding_cache.py`` checks it).

:func:`supported` tells whether a model folder has exactly that shape; any
other sentence-transformers model is run by sentence-transformers itself.

Layer features
    ``encode(texts, layers=True)`` gives, from the same pass, the
    L2-normalised token mean of every encoder layer side by side (6 × 384
    numbers for all-MiniLM-L6-v2); the last block is the sentence vector.
    The sentiment model of :mod:`cra_helpers.sentiment` reads them; the
    exported ONNX graph always computes them and the sentence vector is
    their last block.

Engines
    The forward pass runs in ONNX Runtime when ``onnxruntime`` and ``onnx``
    are installed (``engine = "onnxruntime"``): the torch forward pass above
    is exported once per model, torch version and machine to an ONNX graph
    in the embedding cache folder (``<cache>/onnx/``; a temporary folder
    when the cache is off) and run there with graph optimisations on the
    same number of threads as torch. Its vectors agree with the torch ones
    to a cosine of 1 − 1e-6 or closer (``tests/test_embedding_cache.py``);
    on a 2-core AMD EPYC it embedded short remarks 1.8–2.3 times faster
    (2026-12-03, ``benchmarks/sentiment.py``). ``CRA_EMBEDDING_ENGINE=torch``
    keeps the torch pass; ``onnxruntime`` asks for ONNX Runtime and fails
    when it cannot run; ``auto`` (default) uses ONNX Runtime when it is
    installed and the export succeeds, else torch.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

KIND = "bert-mean-torch"
"""Names this encoder's vectors in the embedding cache key (vectors of another encoder are never mixed in)."""
KIND_ORT = "bert-mean-ort"
"""The same, for vectors computed by ONNX Runtime."""
ENGINE_ENV = "CRA_EMBEDDING_ENGINE"
ENGINES = ("auto", "onnxruntime", "torch")
_OPSET = 17
_BATCH = 64


def engine() -> str:
    """The engine the encoder will use: ``"onnxruntime"`` or ``"torch"`` (see the module docstring).

    Raises
    ------
    NeedsTreeError
        When ``CRA_EMBEDDING_ENGINE`` names no engine (a ``ValueError``; the ``cra`` command exits with code 2).
    BackendUnavailable
        When it asks for ONNX Runtime that is not installed.
    """
    import importlib.util

    from .errors import BackendUnavailable, NeedsTreeError

    asked = _asked()
    if asked not in ENGINES:
        raise NeedsTreeError(f"environment variable {ENGINE_ENV}={asked!r}: choose one of {', '.join(ENGINES)}")
    have = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
    if asked == "onnxruntime" and not have:
        raise BackendUnavailable(f"environment variable {ENGINE_ENV}=onnxruntime but onnxruntime or onnx is not installed")
    return "onnxruntime" if asked != "torch" and have else "torch"


def _asked() -> str:
    """The engine named by ``CRA_EMBEDDING_ENGINE`` (``"auto"`` when unset), lower case."""
    return os.environ.get(ENGINE_ENV, "auto").strip().lower() or "auto"


def kind() -> str:
    """Cache-key name of the vectors the encoder computes with :func:`engine`."""
    return KIND_ORT if engine() == "onnxruntime" else KIND


def supported(folder: Path) -> bool:
    """Whether ``folder`` is a BERT model with mean pooling and normalisation that this module can run.

    Parameters
    ----------
    folder
        A sentence-transformers model folder.
    """
    try:
        modules = json.loads((folder / "modules.json").read_text())
        cfg = json.loads((folder / "config.json").read_text())
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text()) if len(modules) > 1 else {}
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                                 "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"))
    return (types == ["Transformer", "Pooling", "Normalize"] and cfg.get("model_type") == "bert"
            and cfg.get("hidden_act") == "gelu" and cfg.get("position_embedding_type", "absolute") == "absolute"
            and bool(mean_only) and (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file())


@dataclass
class MiniLM:
    """A loaded BERT sentence encoder (see the module docstring).

    Attributes
    ----------
    tokenizer
        ``tokenizers.Tokenizer`` of the model, truncating at ``max_seq_length`` word pieces, no padding.
    folder
        The model folder.
    config
        The model's ``config.json``.
    """

    tokenizer: Any
    folder: Path
    config: dict[str, Any]
    session: Any = None
    """ONNX Runtime session of the exported forward pass, ``None`` for the torch engine."""
    _weights: dict[str, Any] | None = None

    @property
    def weights(self) -> dict[str, Any]:
        """The model's tensors by name (float32 torch tensors), read on first use: a session of an exported
        graph needs neither them nor torch, which saves about 3 s of import and reading per process."""
        if self._weights is None:
            from safetensors.torch import load_file

            self._weights = {k: v.float() for k, v in load_file(str(self.folder / "model.safetensors"), device="cpu").items()}
        return self._weights

    @classmethod
    def load(cls, folder: Path, max_seq_length: int) -> "MiniLM":
        """Read the tokenizer of ``folder`` and open its engine (CPU); the weights are read when first needed."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_seq_length)
        cfg = json.loads((folder / "config.json").read_text())
        enc = cls(tok, folder, cfg)
        if engine() == "onnxruntime":
            try:
                enc.session = _ort_session(enc, folder, max_seq_length)
            except Exception:
                if _asked() == "onnxruntime":
                    raise
                enc.session = None  # auto: the torch pass gives the same vectors
        else:
            enc.weights  # noqa: B018  (read now, so that a broken model folder fails at load time)
        return enc

    def dimension(self, layers: bool = False) -> int:
        """Length of a sentence vector, or with ``layers`` of the layer features (layers × hidden size)."""
        hidden = int(self.config["hidden_size"])
        return hidden * int(self.config["num_hidden_layers"]) if layers else hidden

    def _forward(self, ids: Any, layers: bool = False) -> Any:
        """The sentence vector (normalised mean of the last layer) of each row of ``ids``; with ``layers`` the
        normalised token means of every encoder layer side by side, the last block being that sentence vector."""
        import torch
        import torch.nn.functional as F

        w, cfg = self.weights, self.config
        n, length = ids.shape
        hidden, heads = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
        eps = float(cfg.get("layer_norm_eps", 1e-12))
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = F.layer_norm(x, (hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        means = []
        for i in range(int(cfg["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def lin(t, name):
                return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

            def split(t):
                return t.view(n, length, heads, hidden // heads).transpose(1, 2)

            q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, length, hidden)
            x = F.layer_norm(lin(a, "attention.output.dense") + x, (hidden,),
                             w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            h = F.gelu(lin(x, "intermediate.dense"))
            x = F.layer_norm(lin(h, "output.dense") + x, (hidden,),
                             w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
            if layers:
                means.append(F.normalize(x.mean(dim=1), p=2, dim=1))
        return torch.cat(means, dim=1) if layers else F.normalize(x.mean(dim=1), p=2, dim=1)

    def encode(self, texts: Sequence[str], batch_size: int = _BATCH, session: Any = None, layers: bool = False,
               engine: str | None = None) -> np.ndarray:
        """L2-normalised mean-pooled sentence vectors, float32 ``(len(texts), dimension)``.

        Texts with the same number of word pieces are run together (at most
        ``batch_size`` at a time), so no batch is padded and the attention
        needs no mask. ``session``: an ONNX Runtime session to run instead of
        the encoder's own engine (e.g. :func:`int8_session`). ``layers``: the
        layer features instead (``dimension(layers=True)`` columns: the
        L2-normalised token mean of each encoder layer, first to last, so the
        last block is the sentence vector); the exported graph computes them in
        the same pass. ``engine="torch"`` runs the torch pass even when a
        session is open (e.g. under bfloat16 autocast).
        """
        session = None if engine == "torch" else (session if session is not None else self.session)
        hidden = self.dimension()

        out = np.zeros((len(texts), self.dimension(layers)), dtype=np.float32)
        if not len(texts):
            return out
        enc = self.tokenizer.encode_batch([str(t) for t in texts])
        ids = [e.ids for e in enc]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
        order = np.lexsort((np.arange(len(ids)), lengths))
        chunks = [rows[start:start + batch_size] for length in np.unique(lengths)
                  for rows in [order[lengths[order] == length]] for start in range(0, len(rows), batch_size)]
        if session is not None:  # the graph gives the layer features (see _export); no torch needed
            for chunk in chunks:
                feats = session.run(None, {"ids": np.array([ids[r] for r in chunk], dtype=np.int64)})[0]
                out[chunk] = feats if layers else feats[:, -hidden:]
            return out
        import torch

        with torch.inference_mode():
            for chunk in chunks:
                batch = torch.tensor([ids[r] for r in chunk], dtype=torch.long)
                out[chunk] = self._forward(batch, layers).float().numpy()
        return out


def _onnx_path(folder: Path, max_seq_length: int) -> Path:
    """Where the exported graph of ``folder`` lives: the cache folder's ``onnx/``, else a temporary folder."""
    import platform
    from importlib.metadata import version

    from .cache import cache_dir, model_key

    # the installed torch's version, read without importing torch (the same string as torch.__version__)
    name = f"{model_key(folder, max_seq_length)}-layers-torch{version('torch')}-opset{_OPSET}-{platform.machine()}.onnx"
    base = cache_dir()
    if base is not None:
        try:
            (base / "onnx").mkdir(parents=True, exist_ok=True)
            return base / "onnx" / name
        except OSError:
            pass
    return _scratch() / name


_SCRATCH: list[Path] = []


def _scratch() -> Path:
    """One temporary folder per process for the exported graphs when there is no cache folder, removed at exit."""
    if not _SCRATCH:
        import atexit
        import shutil

        folder = Path(tempfile.mkdtemp(prefix="cra-onnx-"))
        atexit.register(shutil.rmtree, folder, True)
        _SCRATCH.append(folder)
    return _SCRATCH[0]


def _ort_session(enc: MiniLM, folder: Path, max_seq_length: int) -> Any:
    """Export ``enc``'s forward pass to ONNX once (written to a temporary name, then renamed) and open it."""
    return _open(_export(enc, folder, max_seq_length))


def _export(enc: MiniLM, folder: Path, max_seq_length: int) -> Path:
    """The float32 ONNX graph of ``enc`` (exported on first use; see :func:`_ort_session`); it outputs the
    layer features (``MiniLM.encode(layers=True)``), whose last block is the sentence vector."""
    path = _onnx_path(folder, max_seq_length)
    if not path.is_file():
        import torch

        enc.weights  # noqa: B018  (read before tracing: reading them inside the trace breaks the export)

        class _Forward(torch.nn.Module):
            def forward(self, ids):
                return enc._forward(ids, layers=True)

        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        example = torch.tensor([enc.tokenizer.encode("a short example remark").ids] * 2, dtype=torch.long)
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation notices would end up in reports
            torch.onnx.export(_Forward(), (example,), str(tmp), input_names=["ids"], output_names=["features"],
                              dynamic_axes={"ids": {0: "n", 1: "length"}}, opset_version=_OPSET, dynamo=False)
        os.replace(tmp, path)
    return path


def _open(path: Path) -> Any:
    """An ONNX Runtime session of ``path`` on the CPU, on as many threads as torch uses (when torch is already
    imported; else ONNX Runtime's default, one per physical core, which is torch's default too)."""
    import sys

    import onnxruntime as ort

    options = ort.SessionOptions()
    torch = sys.modules.get("torch")
    options.intra_op_num_threads = max(int(torch.get_num_threads()), 1) if torch is not None else 0
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])



def int8_session(enc: MiniLM, folder: Path, max_seq_length: int) -> Any:
    """A session of the same graph with int8 weights (ONNX Runtime dynamic quantization), built once and cached.

    The weight matrices of the exported graph become initializers and are
    quantized per output channel (``onnxruntime.quantization.quantize_dynamic``,
    ``QInt8``); activations are quantized per batch at run time. On a 2-core
    AMD EPYC with AVX-512 VNNI it embedded remarks 2–2.8 times faster than
    the float32 graph, with vectors at a cosine of 0.98 or more (median 0.992)
    from the float32 ones (2026-12-03). Used only where asked for
    (``cra_helpers.sentiment.embed(precision="int8")``), never by the needs tree.
    Because activations are quantized per batch, a remark's features depend a
    little on the remarks run beside it: the same 1,987 sample remarks run one
    at a time and 64 at a time agreed to a cosine of 0.978 at worst (median
    0.992; 2026-12-03), so int8 results are reproducible for the same set of
    remarks only.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = _export(enc, folder, max_seq_length)
    path = src.with_name(src.stem + "-int8.onnx")
    if not path.is_file():
        graph = onnx.load(str(src))
        kept = []
        for node in graph.graph.node:
            value = node.attribute[0].t if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value" else None
            if value is not None and len(value.dims) >= 2:  # a weight matrix the exporter wrote as a constant
                value.name = node.output[0]
                graph.graph.initializer.append(value)
            else:
                kept.append(node)
        del graph.graph.node[:]
        graph.graph.node.extend(kept)
        plain, tmp = path.with_name(f"{path.stem}.{os.getpid()}.init.onnx"), path.with_name(f"{path.name}.{os.getpid()}.tmp")
        onnx.save(graph, str(plain))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(plain), str(tmp), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        plain.unlink(missing_ok=True)
        os.replace(tmp, path)
    return _open(path)
