"""StanceLens: section summaries, hedged claims and stance labels for news articles."""

__version__ = "0.1.0"

from .pipeline import Pipeline, analyze, default_pipeline  # noqa: E402
from .schema import AnalysisResult, AnalyzeOptions  # noqa: E402

__all__ = ["AnalysisResult", "AnalyzeOptions", "Pipeline", "analyze", "default_pipeline", "__version__"]
