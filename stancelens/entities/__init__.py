"""Entities: the named actors (PERSON, NORP, GPE, ORG) the target stage resolves and scores.

- `stage.py`: the pipeline's two entity stages: spaCy's NER as it ran inside the linguistic stage,
  or the trained head over the shared encoder's states, with spaCy's NER then not run at all;
- `model.py`: the trained head (`models/entities`);
- `teacher.py`: its training labels, from spaCy's NER over the shared data's unlabelled text;
- `training.py`: `stancelens train entities`, and the held-out agreement with the teacher.
"""

from __future__ import annotations

from typing import Protocol

from ..document import Article
from ..encoder import SentenceEncoder
from ..heads import model_dir
from .model import EntityModel
from .stage import HeadEntities, SpacyEntities


class EntityStage(Protocol):
    version: str
    spacy_pipes: frozenset[str]  # the spaCy components it reads: the linguistic stage runs only those it needs

    def __call__(self, article: Article) -> None: ...


def load_entity_head(spec: str, encoder: SentenceEncoder) -> HeadEntities:
    return HeadEntities(EntityModel.load(model_dir(spec), encoder))


__all__ = ["EntityModel", "EntityStage", "HeadEntities", "SpacyEntities", "load_entity_head"]
