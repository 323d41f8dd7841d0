"""The factories a profile's `factory` names: one thin builder per kind of component.

Names are `<slot>.<kind>`. Builders import the stage packages, never the other way round, and take
`(spec, *, encoder, settings)`: the profile's table for the slot, the shared encoder (built first:
the trained heads read its states) and the settings. An unknown factory or option is an error that
lists the valid ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import Settings
from .profile import SLOTS, ComponentSpec

Builder = Callable[..., Any]
FACTORIES: dict[str, tuple[Builder, frozenset[str]]] = {}


def factory(name: str, *options: str) -> Callable[[Builder], Builder]:
    """Register a builder under `name`, with the options its profile table may give."""
    slot = name.split(".")[0]
    if slot not in SLOTS:
        raise ValueError(f"factory {name!r} is not for a slot ({', '.join(SLOTS)})")

    def register(builder: Builder) -> Builder:
        FACTORIES[name] = (builder, frozenset(options))
        return builder
    return register


def check(slot: str, spec: ComponentSpec) -> None:
    """Raise ValueError when `spec` names no factory for `slot`, or options the factory does not take."""
    names = sorted(n for n in FACTORIES if n.startswith(slot + "."))
    if spec.factory not in names:
        raise ValueError(f"{spec.source or slot}: factory {spec.factory!r} is not one for {slot}; "
                         f"choose one of {', '.join(names)}")
    unknown = set(spec.options) - FACTORIES[spec.factory][1]
    if unknown:
        allowed = ", ".join(sorted(FACTORIES[spec.factory][1])) or "none"
        raise ValueError(f"{spec.source or slot}: {spec.factory} takes no option {', '.join(sorted(unknown))} "
                         f"(its options: {allowed})")


def build(slot: str, spec: ComponentSpec, *, encoder: Any = None, settings: Settings) -> Any:
    check(slot, spec)
    builder, _ = FACTORIES[spec.factory]
    return builder(spec, encoder=encoder, settings=settings)


def _model(spec: ComponentSpec) -> str:
    if not spec.model:
        raise ValueError(f"{spec.source}: {spec.factory} needs a model")
    return spec.model


@factory("encoder.transformers", "batch_tokens", "batch_size")
def _encoder(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .encoder import SentenceEncoder

    return SentenceEncoder(_model(spec), batch_size=spec.options.get("batch_size", settings.encoder_batch_size),
                           max_tokens=spec.options.get("batch_tokens", settings.encoder_batch_tokens),
                           precision=settings.precision, cache_dir=settings.cache_dir)


@factory("linguistics.spacy")
def _spacy(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .linguistics import Linguistics

    return Linguistics(_model(spec))


@factory("entities.model")
def _entity_head(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .entities import load_entity_head

    return load_entity_head(_model(spec), encoder)


@factory("entities.spacy")
def _spacy_entities(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .entities import SpacyEntities

    return SpacyEntities()


@factory("summarizer.extractive", "position_weight", "position_decay", "redundancy")
def _extractive(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .summarize import ExtractiveSummarizer

    return ExtractiveSummarizer(**spec.options)


@factory("summarizer.abstractive")
def _abstractive(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .summarize import AbstractiveSummarizer

    return AbstractiveSummarizer(_model(spec))


@factory("summarizer.lead")
def _lead(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .summarize import LeadSummarizer

    return LeadSummarizer()


@factory("hedges.model")
def _hedge_model(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .hedges import load_hedge_detector

    return load_hedge_detector(_model(spec), encoder)


@factory("hedges.rules")
def _hedge_rules(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .hedges import RuleHedgeDetector

    return RuleHedgeDetector()


@factory("hedges.lexicon")
def _hedge_lexicon(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .hedges import LexiconHedgeDetector

    return LexiconHedgeDetector()


@factory("target_stance.model", "aggregation")
def _stance_model(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .stance import MEAN, load_aggregation, load_target_stance

    return load_target_stance(_model(spec), encoder, load_aggregation(spec.options.get("aggregation", MEAN)))


@factory("target_stance.vader")
def _stance_vader(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .stance import VADER, load_target_stance

    return load_target_stance(VADER, encoder)


@factory("claim_stance.model")
def _claim_model(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .stance import load_claim_stance

    return load_claim_stance(_model(spec), encoder)


@factory("claim_stance.rules")
def _claim_rules(spec: ComponentSpec, *, encoder: Any, settings: Settings):
    from .stance import RULES, load_claim_stance

    return load_claim_stance(RULES, encoder)
