"""Read a GGUF model file's header: what the model is, and whether local mode can use it.

Only the header is read (the `gguf` package maps the file; no weights are loaded),
so this is quick even for a large file. Used after a download, before loading, and
by `describe_mode()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.modes.local.errors import LocalModelError

GGUF_MAGIC = b"GGUF"
RETRY_HINT = (
    "Download it again with `make local`, or set HOMEMADE_O1_LOCAL_MODEL to another .gguf file."
)


@dataclass(frozen=True)
class ModelFileInfo:
    """What a GGUF file's header says about the model inside."""

    path: Path
    size_bytes: int
    name: str  # the file name without `.gguf`
    quantization: str  # e.g. "Q8_0", "F32"
    architecture: str  # e.g. "qwen3"
    context_length: int  # tokens the model was trained for
    layers: int
    kv_heads: int
    key_length: int  # per head
    value_length: int  # per head
    chat_template: str

    @property
    def short_name(self) -> str:
        """The name without a trailing quantisation tag: `Qwen3-0.6B-Q8_0` gives `Qwen3-0.6B`."""
        suffix = "-" + self.quantization
        if self.name.lower().endswith(suffix.lower()) and len(self.name) > len(suffix):
            return self.name[: -len(suffix)]
        return self.name

    @property
    def has_thinking_switch(self) -> bool:
        """True when the chat template reads `enable_thinking` (Qwen3's thinking mode)."""
        return "enable_thinking" in self.chat_template

    def kv_cache_bytes(self, context: int, bytes_per_value: float = 2.0) -> int:
        """Memory of the key/value cache for `context` tokens (f16 values by default).

        Each layer keeps one key and one value vector per KV head for every token:
        layers x kv_heads x (key_length + value_length) x bytes per value x tokens.
        """
        per_token = self.layers * self.kv_heads * (self.key_length + self.value_length)
        return int(per_token * bytes_per_value * context)


def format_size(size_bytes: float) -> str:
    """A file size the way people say it: `639 MB`, `1.83 GB`, `2.6 MB` (powers of 1000)."""
    if size_bytes >= 1e9:
        return f"{size_bytes / 1e9:.2f} GB"
    if size_bytes >= 1e8:
        return f"{size_bytes / 1e6:.0f} MB"
    if size_bytes >= 1e6:
        return f"{size_bytes / 1e6:.1f} MB"
    return f"{size_bytes / 1e3:.0f} kB"


def _field(reader: Any, key: str) -> Any:
    field = reader.get_field(key)
    return None if field is None else field.contents()


def _quantization(reader: Any) -> str:
    from gguf import GGMLQuantizationType, LlamaFileType

    file_type = _field(reader, "general.file_type")
    if file_type is not None:
        try:
            name = LlamaFileType(int(file_type)).name
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
        except ValueError:
            pass
    # no file type: name the most common tensor type
    counts: dict[str, int] = {}
    for tensor in reader.tensors:
        kind = GGMLQuantizationType(tensor.tensor_type).name
        counts[kind] = counts.get(kind, 0) + int(tensor.n_elements)
    return max(counts, key=counts.__getitem__) if counts else "unknown"


def _check_complete(reader: Any, path: Path, size: int) -> None:
    """Raise when the tensors reach past the end of the file (a cut-off download)."""
    end = max(
        (int(t.data_offset) + int(t.n_bytes) for t in reader.tensors),
        default=0,
    )
    if end > size:
        raise LocalModelError(
            f"The model file {path} is incomplete ({size:,} of at least {end:,} bytes). "
            + RETRY_HINT
        )


def read_model_info(path: Path | str) -> ModelFileInfo:
    """Read and check a GGUF file's header.

    Raises `LocalModelError` (one clear line) when the file is missing, is not a GGUF
    file, is cut off, or has no chat template (local mode needs a chat model).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise LocalModelError(f"No model file at {path}. {RETRY_HINT}") from None
    except OSError as error:
        raise LocalModelError(f"Cannot read the model file {path}: {error.strerror}.") from None
    if magic != GGUF_MAGIC:
        raise LocalModelError(
            f"{path} is not a GGUF model file (it does not start with 'GGUF'). {RETRY_HINT}"
        )
    from gguf import GGUFReader

    try:
        reader = GGUFReader(path, "r")
    except (ValueError, IndexError, OSError, KeyError) as error:
        raise LocalModelError(
            f"The model file {path} is damaged or cut off ({error}). {RETRY_HINT}"
        ) from None
    _check_complete(reader, path, size)
    architecture = str(_field(reader, "general.architecture") or "unknown")
    template = _field(reader, "tokenizer.chat_template")
    if not template:
        raise LocalModelError(
            f"{path.name} has no chat template in its header, so it is not a chat model; "
            "local mode needs an instruct (chat) model in GGUF format."
        )

    def number(key: str, default: int = 0) -> int:
        value = _field(reader, f"{architecture}.{key}")
        return int(value) if value is not None else default

    heads = number("attention.head_count", 1)
    width = number("embedding_length")
    head_size = width // heads if heads else 0
    return ModelFileInfo(
        path=path,
        size_bytes=size,
        name=path.name[:-5] if path.name.lower().endswith(".gguf") else path.name,
        quantization=_quantization(reader),
        architecture=architecture,
        context_length=number("context_length"),
        layers=number("block_count"),
        kv_heads=number("attention.head_count_kv", heads),
        key_length=number("attention.key_length", head_size),
        value_length=number("attention.value_length", head_size),
        chat_template=str(template),
    )
