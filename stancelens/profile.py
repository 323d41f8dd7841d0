"""Profiles: which component and which model fills each pipeline slot, as a file.

A profile is a TOML file in `profiles/` (`fast.toml`, the default, and `accurate.toml`), one table per
slot with a `factory` (a name in `stancelens/components.py`), an optional `model`, and the factory's
options. `STANCELENS_PROFILE` (or `--profile`) names one: a shipped profile's name or a file's path.
A `STANCELENS_*_MODEL` setting that is set explicitly overrides its slot, and the result says so.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .config import Settings

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"
SLOTS = ("linguistics", "encoder", "entities", "summarizer", "hedges", "target_stance", "claim_stance")
# Slots a profile file may leave out, and what fills them then: a profile written before the entity
# head found entities with spaCy's NER, and still does.
DEFAULTS = {"entities": {"factory": "entities.spacy"}}


class ComponentSpec(BaseModel):
    """One slot of a profile: what builds the component, from which model, with which options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    factory: str = Field(description="A factory name registered in stancelens/components.py, as <slot>.<kind>.")
    model: str | None = Field(None, description="Model folder, package:<name>, spaCy package or hub id.")
    source: str = Field("", description="Where this slot was set: the profile's table, or the setting that overrode it.")

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    path: Path | None = None
    components: dict[str, ComponentSpec]
    overrides: list[str] = Field(default_factory=list, description="Slots a setting filled instead of the profile.")

    def __getitem__(self, slot: str) -> ComponentSpec:
        return self.components[slot]

    @classmethod
    def read(cls, path: Path) -> Profile:
        """Parse a profile file; paths in it (`./`, `../`) are made absolute from the file's folder."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ProfileError(f"profile {path} cannot be read: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"profile {path} is not valid TOML: {exc}") from exc
        name = data.pop("name", path.stem)
        description = data.pop("description", "")
        missing = [slot for slot in SLOTS if slot not in data and slot not in DEFAULTS]
        unknown = [key for key in data if key not in SLOTS]
        if missing or unknown:
            raise ProfileError(f"profile {path} must have one table for each of {', '.join(s for s in SLOTS if s not in DEFAULTS)}"
                               + (f"; missing: {', '.join(missing)}" if missing else "")
                               + (f"; not a slot: {', '.join(unknown)}" if unknown else ""))
        components = {}
        for slot in SLOTS:
            if slot in data:
                table = {k: _from_folder(v, path.parent) for k, v in data[slot].items()}
                components[slot] = ComponentSpec(**table, source=f"{path.name} [{slot}]")
            else:
                components[slot] = ComponentSpec(**DEFAULTS[slot], source=f"{path.name} (no [{slot}]: the default)")
        return cls(name=name, description=description, path=path, components=components)

    def with_settings(self, settings: Settings) -> Profile:
        """This profile with the slots that explicitly set `STANCELENS_*_MODEL` settings override."""
        components = dict(self.components)
        overrides = []
        for field, (slot, build) in _OVERRIDES.items():
            if field in settings.model_fields_set and getattr(settings, field) is not None:
                value = getattr(settings, field)
                spec = build(value, components[slot])
                components[slot] = spec.model_copy(update={"source": f"STANCELENS_{field.upper()}"})
                overrides.append(slot)
        return self.model_copy(update={"components": components, "overrides": sorted(set(overrides))})


class ProfileError(ValueError):
    """A profile that cannot be found or read; the message says which and why."""


def _from_folder(value: object, folder: Path) -> object:
    if isinstance(value, str) and value.startswith(("./", "../")):
        return str((folder / value).resolve())
    return value


def _keyword_or(keyword: str, factory_if_keyword: str, factory: str):
    """An override that names a rule-based component by keyword ('rules', 'vader') or else a model."""
    def build(value: str, current: ComponentSpec) -> ComponentSpec:
        if value == keyword:
            return ComponentSpec(factory=factory_if_keyword)
        options = current.options if current.factory == factory else {}
        return ComponentSpec(factory=factory, model=value, **options)
    return build


def _with_option(factory: str, option: str):
    def build(value: str, current: ComponentSpec) -> ComponentSpec:
        if current.factory != factory:  # say the VADER rules, which aggregate nothing
            return current
        return ComponentSpec(**{**current.model_dump(exclude={"source"}), **current.options, option: value})
    return build


# Each STANCELENS_*_MODEL setting, the slot it fills and how its value becomes a component.
_OVERRIDES = {
    "spacy_model": ("linguistics", lambda value, current: ComponentSpec(factory="linguistics.spacy", model=value)),
    "encoder": ("encoder", lambda value, current: ComponentSpec(factory="encoder.transformers", model=value,
                                                                **current.options)),
    "summarizer": ("summarizer", _keyword_or("extractive", "summarizer.extractive", "summarizer.abstractive")),
    "entity_model": ("entities", _keyword_or("spacy", "entities.spacy", "entities.model")),
    "hedge_model": ("hedges", _keyword_or("rules", "hedges.rules", "hedges.model")),
    "stance_model": ("target_stance", _keyword_or("vader", "target_stance.vader", "target_stance.model")),
    "article_stance_model": ("target_stance", _with_option("target_stance.model", "aggregation")),
    "claim_model": ("claim_stance", _keyword_or("rules", "claim_stance.rules", "claim_stance.model")),
}


def profile_path(name_or_path: str) -> Path:
    """A shipped profile's file by its name, or the file a path names."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.parent != Path("."):
        if not path.is_file():
            raise ProfileError(f"profile file {path} not found")
        return path
    shipped = PROFILES_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        names = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
        raise ProfileError(f"no profile named {name_or_path!r}: the shipped ones are {names}, or give a .toml file's path")
    return shipped


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def resolve_profile(settings: Settings) -> Profile:
    """The profile `settings` names, with its explicitly set model settings applied."""
    return Profile.read(profile_path(settings.profile)).with_settings(settings)
