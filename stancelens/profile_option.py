"""`--profile`, shared by the commands that analyse (analyze, serve, batch, eval, bench, train)."""

from __future__ import annotations

import argparse
import os


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """`--profile`, which the commands that analyse take: it sets STANCELENS_PROFILE for this process and the
    processes it starts (the bench's server, batch workers)."""
    parser.add_argument("--profile", help="the profile to analyse with: 'fast' (the default), 'accurate', or a "
                                          "profile file's path (default: $STANCELENS_PROFILE or fast)")


def apply_profile(args: argparse.Namespace) -> None:
    if getattr(args, "profile", None):
        from .config import get_settings
        from .profile import profile_path

        profile_path(args.profile)  # an unknown name fails here, before any model loads
        os.environ["STANCELENS_PROFILE"] = args.profile
        get_settings.cache_clear()
