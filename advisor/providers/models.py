"""Provider data from ``rules/providers.toml``: each fine-tunable model's encoding,
training context, price and minimum examples (with source and date), the provider
profiles that make rules stricter, and the cookbook's default-epochs rule."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import RuleFileError, UsageError
from advisor.resources import read_rule_file, rules_dir


class ModelProfile(BaseModel):
    """One fine-tunable model: how to count its tokens, its limit and price."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    aliases: list[str] = Field(default_factory=list)
    encoding: str
    exact_tokenizer: bool = True
    tool_overhead: str = "gpt-4o"
    training_context: int = Field(gt=0)
    # Tokens the model reads in one request (inference), where known.
    context_window: int | None = Field(default=None, gt=0)
    training_price_per_million: float | None = Field(default=None, ge=0)
    # Inference, per million tokens: the base model, and the model once fine-tuned.
    input_price_per_million: float | None = Field(default=None, ge=0)
    output_price_per_million: float | None = Field(default=None, ge=0)
    fine_tuned_input_price_per_million: float | None = Field(default=None, ge=0)
    fine_tuned_output_price_per_million: float | None = Field(default=None, ge=0)
    min_examples: int = Field(default=10, ge=1)
    profile: str = "openai"
    source: str = Field(min_length=1)
    read: str = Field(min_length=1)


class CostModel(BaseModel):
    """Which models the advice's cost model compares, and its assumptions."""

    model_config = ConfigDict(extra="forbid")

    large: str
    small: str
    typical_input_tokens: int = Field(gt=0)
    typical_output_tokens: int = Field(gt=0)
    retrieved_tokens: int = Field(ge=0)
    epochs: int = Field(ge=1)
    payback_months: int = Field(ge=1)
    engineering_usd: float = Field(ge=0)
    distillation_examples: int = Field(ge=0)
    source: str = Field(min_length=1)
    read: str = Field(min_length=1)


class ImageLimits(BaseModel):
    """What a provider accepts as images in training data (T004)."""

    model_config = ConfigDict(extra="forbid")

    max_per_example: int = Field(gt=0)
    media_types: list[str] = Field(min_length=1)
    max_bytes: int = Field(gt=0)
    source: str = Field(min_length=1)


class RoleProfile(BaseModel):
    """Conversation rules a provider enforces (which rule codes become errors), and
    its image limits where it publishes them."""

    model_config = ConfigDict(extra="forbid")

    description: str
    roles: list[str]
    escalate: list[str] = Field(default_factory=list)
    source: str = Field(min_length=1)
    images: ImageLimits | None = None


class ProviderDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    target_epochs: int
    min_target_examples: int
    max_target_examples: int
    min_default_epochs: int
    max_default_epochs: int
    epochs_source: str
    recommended_examples: int
    recommended_source: str


class Providers(BaseModel):
    """The whole of rules/providers.toml, validated."""

    model_config = ConfigDict(extra="forbid")

    defaults: ProviderDefaults
    cost_model: CostModel
    profiles: dict[str, RoleProfile]
    models: dict[str, ModelProfile]

    def model(self, name: str | None) -> ModelProfile:
        """Look a model up by name or alias; unknown names are a usage error."""
        wanted = name or self.defaults.model
        for key, profile in self.models.items():
            if wanted == key or wanted in profile.aliases:
                return profile
        known = ", ".join(sorted(self.models))
        raise UsageError(
            f"Unknown model {wanted!r}. Known models: {known} (see rules/providers.toml)."
        )

    def role_profile(self, model: ModelProfile) -> RoleProfile:
        return self.profiles[model.profile]


@lru_cache(maxsize=4)
def load_providers(path: Path | None = None) -> Providers:
    """Read and validate providers.toml; a malformed file names itself and the entry."""
    path = path or rules_dir() / "providers.toml"
    data = read_rule_file(path, "provider data")
    for key, entry in data.get("models", {}).items():
        if isinstance(entry, dict):
            entry.setdefault("name", key)
    try:
        providers = Providers.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RuleFileError(f"{path}: entry {where}: {first['msg']}") from exc
    for role in ("large", "small"):
        name = getattr(providers.cost_model, role)
        if name not in providers.models:
            raise RuleFileError(f"{path}: cost_model.{role}: unknown model {name!r}")
    for key, model in providers.models.items():
        if model.profile not in providers.profiles:
            raise RuleFileError(f"{path}: models.{key}: unknown profile {model.profile!r}")
    return providers


def default_epochs(n_examples: int, defaults: ProviderDefaults) -> int:
    """The cookbook's default-epochs rule (the server's "auto" is similar)."""
    epochs = defaults.target_epochs
    if n_examples <= 0:
        return epochs
    if n_examples * epochs < defaults.min_target_examples:
        epochs = min(defaults.max_default_epochs, defaults.min_target_examples // n_examples)
    elif n_examples * epochs > defaults.max_target_examples:
        epochs = max(defaults.min_default_epochs, defaults.max_target_examples // n_examples)
    return epochs
