"""Ask a local causal LM, offline: the bundled SmolLM2 (or a local folder or GGUF),
optionally with a LoRA adapter from `advisor train` — the other side of
`advisor baseline`, so the base model with a good prompt and the fine-tuned model
are measured by the same command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from advisor.errors import UsageError


def local_asker(
    base_model: str | None = None, adapter: Path | None = None, max_new_tokens: int = 64
) -> Callable[[list[dict[str, str]]], str]:
    """``ask(messages) -> answer`` by greedy decoding on this machine (GPU when present)."""
    try:
        import torch
    except ImportError:
        raise UsageError("--local needs the lora extra: pip install 'advisor[lora]'") from None
    from advisor.train.base_model import load_base_model, resolve_base_model

    model, tokenizer = load_base_model(resolve_base_model(base_model))
    if adapter is not None:
        if not (Path(adapter) / "adapter_config.json").is_file():
            raise UsageError(f"{adapter}: not a LoRA adapter folder (no adapter_config.json).")
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)

    def ask(messages: list[dict[str, str]]) -> str:
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        batch = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(device)
        with torch.no_grad():
            output = model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
        new = output[0, batch["input_ids"].shape[1] :]
        return str(tokenizer.decode(new, skip_special_tokens=True)).strip()

    return ask
