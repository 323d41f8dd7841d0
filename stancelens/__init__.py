"""StanceLens: section summaries, hedged claims and stance labels for news articles."""

__version__ = "0.1.0"

from .schema import AnalysisResult, AnalyzeOptions  # noqa: E402

_PIPELINE = ("Pipeline", "analyze", "default_pipeline")


def __getattr__(name: str):
    # The pipeline (torch, transformers: seconds to import) loads on first use, so commands that only read
    # results, such as `stancelens report`, start fast.
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'stancelens' has no attribute {name!r}")


__all__ = ["AnalysisResult", "AnalyzeOptions", "Pipeline", "analyze", "default_pipeline", "__version__"]
