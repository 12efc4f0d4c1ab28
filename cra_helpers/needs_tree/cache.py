"""A cache of sentence embeddings per text, so reruns and the curation loop do not embed again.

Embedding the sample's 2,000 verbatims costs most of a needs-tree run (the
model import and the forward passes); the same texts come back on every
rerun, every curation pass, every focus on one account. Each vector is
stored under the SHA-256 of its text, in one SQLite file per model
(``<cache>/embeddings-<model key>.sqlite``), where the model key hashes the
model folder, the size and modification time of its weights and the
maximum sequence length: a different model or setting never reads another's
vectors. SQLite (standard library) makes concurrent runs safe.

The cache folder is ``$CRA_CACHE_DIR``, else ``$XDG_CACHE_HOME/cra-workbench``,
else ``~/.cache/cra-workbench``; ``CRA_CACHE_DIR=off`` switches it off. A
cache that cannot be opened or written is skipped silently: it only ever
saves time, it never changes a result (a cached vector is the float32 vector
the model returned).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

CACHE_ENV = "CRA_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when caching is switched off (``CRA_CACHE_DIR=off``)."""
    env = os.environ.get(CACHE_ENV, "")
    if env.lower() in ("off", "0", "none", "no"):
        return None
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cra-workbench"


def model_key(model_dir: Path, max_seq_length: int) -> str:
    """Short hash naming one model folder, its weights' size and time, and the sequence length."""
    parts = [str(model_dir.resolve()), str(max_seq_length)]
    for f in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        st = f.stat()
        parts.append(f"{f.name}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def text_key(text: str) -> str:
    """SHA-256 of the text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=30)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
    return con


def cached_embed(texts: Sequence[str], key: str, dim: int | None, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Embeddings of ``texts``, computing with ``embed`` only those not in the cache.

    Parameters
    ----------
    texts
        Texts to embed (duplicates are embedded once).
    key
        :func:`model_key` of the model.
    dim
        Embedding dimension when known (used to reject damaged entries), else ``None``.
    embed
        Function returning one float32 row per text of a list; called at most
        once, with the texts missing from the cache (not at all when every text is cached).

    Returns
    -------
    numpy.ndarray
        ``(len(texts), dim)`` float32, row ``i`` for ``texts[i]``.
    """
    texts = list(texts)
    folder = cache_dir()
    if folder is None or not texts:
        return embed(texts)
    keys = [text_key(t) for t in texts]
    found: dict[str, np.ndarray] = {}
    con = None
    try:
        con = _connect(folder / f"embeddings-{key}.sqlite")
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 900):  # SQLite's limit on bound parameters
            chunk = unique[i:i + 900]
            rows = con.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for k, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if dim is None or vec.shape[0] == dim:
                    found[k] = vec
    except (sqlite3.Error, OSError):
        con = None
    missing = [t for t, k in dict(zip(texts, keys)).items() if k not in found]
    if missing:
        new = np.asarray(embed(missing), dtype=np.float32)
        fresh = {text_key(t): new[i] for i, t in enumerate(missing)}
        found.update(fresh)
        if con is not None:
            try:
                with con:
                    con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                    [(k, v.tobytes()) for k, v in fresh.items()])
            except (sqlite3.Error, OSError):
                pass
    if con is not None:
        con.close()
    return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)
