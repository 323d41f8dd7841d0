"""`stancelens batch`: arguments only; the batch runner is imported when the command runs."""

from __future__ import annotations

import argparse


def add_batch_command(commands: argparse._SubParsersAction) -> None:
    b = commands.add_parser("batch", help="analyse a collection of articles into JSONL or Parquet, resumably")
    b.add_argument("input")
    b.add_argument("--out", required=True)
