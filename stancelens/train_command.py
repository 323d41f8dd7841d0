"""`stancelens train`: arguments only; training code is imported when the command runs."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

# model: (training module, its config class, what it trains on, the flag that turns a part off)
_MODELS = {
    "hedge": ("stancelens.hedges.training", "HedgeTrainingConfig",
              "the hedge model (models/hedge) on CoNLL-2010 Wikipedia and the Szeged Uncertainty Corpus"),
    "stance": ("stancelens.stance.training", "StanceTrainingConfig",
               "the target-stance model (models/stance) on NewsMTSC"),
}


def _train(args: argparse.Namespace) -> int:
    import torch

    from .config import default_data_dir, get_settings
    from .encoder import SentenceEncoder

    module_name, config_name, _ = _MODELS[args.model]
    module = importlib.import_module(module_name)
    config_class = getattr(module, config_name)
    if args.threads:
        torch.set_num_threads(args.threads)
    # Options left out keep the config's defaults, which the model card documents.
    given = {k: v for k, v in vars(args).items() if k in config_class.model_fields}
    if getattr(args, "no_szeged", False):
        given["szeged"] = False
    encoder = SentenceEncoder(get_settings().encoder)
    module.train(Path(args.data) if args.data else default_data_dir(), Path(args.out), encoder, config_class(**given))
    return 0


def add_train_command(commands: argparse._SubParsersAction) -> None:
    t = commands.add_parser("train", help="train a model StanceLens ships, from the shared data")
    models = t.add_subparsers(dest="model", required=True)
    for name, (_, _, what) in _MODELS.items():
        m = models.add_parser(name, help=f"train {what.split(' on ')[0]}", argument_default=argparse.SUPPRESS,
                              description=f"Train {what}, over the configured encoder (STANCELENS_ENCODER). "
                                          "Defaults are the shipped model's.")
        m.add_argument("--out", required=True, help=f"folder to write the model to (the shipped one: models/{name})")
        m.add_argument("--data", default=None,
                       help="the shared data folder (default: $STANCELENS_DATA_DIR or ../shared/data)")
        m.add_argument("--top-layers", dest="top_layers", type=int, help="encoder layers to fine-tune (default 2)")
        m.add_argument("--epochs", type=int, help="default 3")
        m.add_argument("--learning-rate", dest="learning_rate", type=float, help="default 2e-4")
        m.add_argument("--batch-size", dest="batch_size", type=int, help="default 32")
        m.add_argument("--seed", type=int, help="default 13")
        m.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
        if name == "hedge":
            m.add_argument("--no-szeged", dest="no_szeged", action="store_true", default=False,
                           help="train on CoNLL-2010 alone: no cue tagger")
        m.set_defaults(run=_train)
