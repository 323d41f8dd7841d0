"""`stancelens train`: arguments only; training code is imported when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path


def _hedge(args: argparse.Namespace) -> int:
    import torch

    from .config import default_data_dir, get_settings
    from .encoder import SentenceEncoder
    from .hedges.training import HedgeTrainingConfig, train

    if args.threads:
        torch.set_num_threads(args.threads)
    # Options left out keep HedgeTrainingConfig's defaults, which the model card documents.
    given = {k: v for k, v in vars(args).items() if k in HedgeTrainingConfig.model_fields}
    config = HedgeTrainingConfig(**given, **({"szeged": False} if args.no_szeged else {}))
    encoder = SentenceEncoder(get_settings().encoder)
    train(Path(args.data) if args.data else default_data_dir(), Path(args.out), encoder, config)
    return 0


def add_train_command(commands: argparse._SubParsersAction) -> None:
    t = commands.add_parser("train", help="train a model StanceLens ships, from the shared data")
    models = t.add_subparsers(dest="model", required=True)
    h = models.add_parser("hedge", help="the hedge model (models/hedge)", argument_default=argparse.SUPPRESS,
                          description="Train the hedge model on CoNLL-2010 Wikipedia and the Szeged Uncertainty "
                                      "Corpus, over the configured encoder (STANCELENS_ENCODER). Defaults are the "
                                      "shipped model's.")
    h.add_argument("--out", required=True, help="folder to write the model to (the shipped one: models/hedge)")
    h.add_argument("--data", default=None,
                   help="the shared data folder (default: $STANCELENS_DATA_DIR or ../shared/data)")
    h.add_argument("--top-layers", dest="top_layers", type=int, help="encoder layers to fine-tune (default 2)")
    h.add_argument("--epochs", type=int, help="default 3")
    h.add_argument("--learning-rate", dest="learning_rate", type=float, help="default 2e-4")
    h.add_argument("--batch-size", dest="batch_size", type=int, help="default 32")
    h.add_argument("--seed", type=int, help="default 13")
    h.add_argument("--no-szeged", action="store_true", default=False,
                   help="train on CoNLL-2010 alone: no cue tagger")
    h.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    h.set_defaults(run=_hedge)
