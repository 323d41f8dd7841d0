"""The analysis pipeline: the one code path behind the library, the CLI and the API.

Stages run in order over one shared `Article`: normalise, sections, sentences, encode (once),
entities (from the encoder's states, or spaCy's NER), then summaries, hedges and stances, which
only read what came before.
"""

from __future__ import annotations

import hashlib
import threading
import time
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from . import __version__, components
from .config import Settings, get_settings
from .document import Article, SectionNode
from .encoder import SentenceEncoder
from .entities import EntityStage
from .errors import (
    DeadlineExceeded,
    InputError,
    TextTooLongError,
    TooManyItemsError,
    check_article_text,
    check_item_text,
)
from .hedges import HedgeStage, SentenceHedges
from .language import check_language, detect
from .linguistics import Linguistics
from .normalize import normalize
from .profile import SLOTS, resolve_profile
from .schema import (
    AnalysisResult,
    AnalyzeOptions,
    AnalyzeRequest,
    ContentType,
    Cue,
    HedgedClaim,
    ItemError,
    LanguageInfo,
    ModelInfo,
    Section,
    Span,
)
from .sections import build_sections
from .stance import Body, ClaimStanceStage, TargetStanceStage
from .summarize import Summarizer
from .targets import resolve_targets

DEFAULT_SUMMARY_SENTENCES = 3
DEFAULT_SECTION_SUMMARY_SENTENCES = 2


class _Timer:
    """Times each stage, and stops the analysis at a stage boundary once `deadline` (a
    `time.monotonic()` value) has passed: a thread cannot be killed, so a runaway analysis
    has to stop itself."""

    def __init__(self, deadline: float | None = None) -> None:
        self.ms: dict[str, float] = {}
        self.deadline = deadline

    def check(self, name: str) -> None:
        """Raise `DeadlineExceeded` if the deadline has passed before stage `name`."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            done = ", ".join(self.ms) or "nothing"
            raise DeadlineExceeded(f"the analysis ran past its time limit before the {name!r} stage (done: {done})")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.check(name)
        t0 = time.perf_counter()
        yield
        # Stages may run twice (sentences, then claims, are encoded): their times add up.
        self.ms[name] = round(self.ms.get(name, 0.0) + (time.perf_counter() - t0) * 1000, 2)


T = TypeVar("T")


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message names it, where it came from and the setting to fix."""


def _loaded(what: str, source: str, setting: str, load: Callable[[], T]) -> T:
    try:
        return load()
    except Exception as exc:
        raise ModelLoadError(f"{what} could not be loaded from {source} (set by {setting}): "
                             f"{type(exc).__name__}: {exc}") from exc


_log = logging.getLogger("stancelens.pipeline")

# What each slot is called in a load error.
_WHAT = {"linguistics": "the spaCy pipeline", "encoder": "the sentence encoder", "entities": "the entity stage",
         "summarizer": "the summariser",
         "hedges": "the hedge model", "target_stance": "the stance model", "claim_stance": "the claim-stance model"}


def _warn_stale_claim_model(pipeline: Pipeline) -> None:
    """The claim model reads the hedge stage's scores: say so when it was trained on another hedge model."""
    trained_on = getattr(getattr(pipeline.claim_stance, "model", None), "config", None)
    hedges = getattr(trained_on, "training", {}).get("hedges") if trained_on is not None else None
    if hedges and hedges != pipeline.hedges.version:
        _log.warning(f"the claim-stance model was trained on the scores of {hedges}, and the hedge stage is "
                      f"{pipeline.hedges.version}: retrain it with `stancelens train claims`")


def _summary_length(options: AnalyzeOptions, n_sentences: int, default: int) -> int:
    if options.summary_ratio is not None:
        return max(1, round(options.summary_ratio * n_sentences))
    return default


def text_id(text: str) -> str:
    """The id of an article that came without one: a stable hash of its text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _item_id(req: AnalyzeRequest) -> str:
    return req.id or text_id(req.text)


class Pipeline:
    """The components of one profile (`stancelens.profile.SLOTS`), run in a fixed order by `read` and `annotate`."""

    # Called with the stage timings of every finished analysis, on the thread that ran it. The
    # service feeds its per-stage metrics from here: single analyses, batches and job chunks
    # all end in `annotate`, so none is missed and none is counted twice.
    on_timings: Callable[[dict[str, float]], None] | None = None

    def __init__(
        self,
        settings: Settings,
        *,
        linguistics: Linguistics,
        encoder: SentenceEncoder,
        entities: EntityStage,
        summarizer: Summarizer,
        hedges: HedgeStage,
        target_stance: TargetStanceStage,
        claim_stance: ClaimStanceStage,
        profile: str = "custom",
        overrides: list[str] | None = None,
    ):
        self.settings = settings
        self.linguistics = linguistics
        self.encoder = encoder
        self.entities = entities
        self.summarizer = summarizer
        self.hedges = hedges
        self.target_stance = target_stance
        self.claim_stance = claim_stance
        self.profile = profile
        self.overrides = sorted(overrides or [])
        components = {slot: getattr(self, slot).version for slot in SLOTS}
        digest = hashlib.sha1(repr(sorted(components.items()) + [encoder.precision]).encode()).hexdigest()[:8]
        # Trained heads read the shared encoder's token states after one layer, kept from its one pass.
        layers = {getattr(stage, "state_layer", None) for stage in (entities, hedges, target_stance)} - {None}
        if len(layers) > 1:
            raise ValueError(f"the entity, hedge and stance models read the encoder's states after different layers "
                             f"({sorted(layers)}): train them with the same --top-layers")
        unread = set(getattr(entities, "spacy_pipes", ())) - set(getattr(linguistics.nlp, "pipe_names", ()))
        if unread:
            raise ValueError(f"the entity stage {entities.version} reads spaCy's {', '.join(sorted(unread))}, "
                             "which the linguistic stage does not run: load the pipeline with this entity stage")
        self.state_layer: int | None = layers.pop() if layers else None
        self.model_info = ModelInfo(version=f"{__version__}+{digest}", components=components,
                                    hedge_threshold=hedges.threshold, precision=encoder.precision,
                                    profile=profile, overrides=self.overrides)

    @classmethod
    def load(cls, settings: Settings | None = None) -> Pipeline:
        """The pipeline of the profile `settings` names (STANCELENS_PROFILE), with its overrides: the
        encoder first, since the trained heads read its states, then the other slots."""
        settings = settings or get_settings()
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
        profile = _loaded("the profile", settings.profile, "STANCELENS_PROFILE", lambda: resolve_profile(settings))
        built: dict[str, object] = {}
        for slot in ("encoder",) + tuple(s for s in SLOTS if s != "encoder"):
            spec = profile[slot]
            what = _WHAT[slot]
            built[slot] = _loaded(what, spec.model or spec.factory, spec.source,
                                  lambda: components.build(slot, spec, encoder=built.get("encoder"), settings=settings))
        # spaCy runs only the optional components a stage reads: no NER when the entity head finds entities.
        built["linguistics"].run_only(frozenset().union(*(getattr(c, "spacy_pipes", ()) for c in built.values())))
        pipeline = cls(settings, **built, profile=profile.name, overrides=profile.overrides)  # type: ignore[arg-type]
        _warn_stale_claim_model(pipeline)
        return pipeline

    def replace(self, **swapped: object) -> Pipeline:
        """The same loaded models with some components swapped.

        Baselines (Lead-3, a lexicon-only hedge detector) run this way, through the same code
        path as the real components, so an evaluation compares stages and nothing else. The
        swapped slots are reported as overrides, so a baseline never shows as a plain profile.
        """
        unknown = set(swapped) - set(SLOTS)
        if unknown:
            raise TypeError(f"not pipeline components: {sorted(unknown)}")
        current = {slot: getattr(self, slot) for slot in SLOTS}
        return Pipeline(self.settings, **{**current, **swapped}, profile=self.profile,  # type: ignore[arg-type]
                        overrides=sorted(set(self.overrides) | set(swapped)))

    def check_request(self, request: AnalyzeRequest) -> None:
        """Raise `InputError` when a request is outside this pipeline's limits (STANCELENS_MAX_CHARS and
        the like, which the API's schema states), before any work is done."""
        self._check_items(request.targets, request.claims)
        self._check_text(request.text)

    def _check_text(self, text: str) -> None:
        if not isinstance(text, str):
            raise InputError(f"text must be a string, not {type(text).__name__}")
        check_article_text(text)
        if len(text) > self.settings.max_chars:
            raise TextTooLongError(
                f"text has {len(text):,} characters, over the limit of {self.settings.max_chars:,}: "
                "split the article, or raise STANCELENS_MAX_CHARS"
            )

    def _check_items(self, targets: list[str], claims: list[str]) -> None:
        s = self.settings
        for kind, items, limit in (("targets", targets, s.max_targets), ("claims", claims, s.max_claims)):
            if len(items) > limit:
                raise TooManyItemsError(
                    f"{len(items)} {kind} given, over the limit of {limit}: send at most {limit} per request"
                )
            for item in items:
                if not isinstance(item, str):
                    raise InputError(f"every entry of {kind} must be text, not {type(item).__name__}")
                check_item_text(item, kind)
                if len(item) > s.max_item_chars:
                    raise InputError(f"an entry of {kind} has {len(item)} characters, over the limit of {s.max_item_chars}")

    def analyze(
        self,
        text: str,
        *,
        targets: list[str] | None = None,
        claims: list[str] | None = None,
        options: AnalyzeOptions | None = None,
        content_type: ContentType = "auto",
        id: str | None = None,
        deadline: float | None = None,
    ) -> AnalysisResult:
        """Analyse one article: `read` it, then `annotate` it.

        With a `deadline` (a `time.monotonic()` value), an analysis still running when it passes
        raises `DeadlineExceeded` at the next stage boundary.
        """
        targets = list(targets or [])
        claims = list(claims or [])
        self._check_items(targets, claims)  # before reading: a bad request costs no parsing
        timer = _Timer(deadline)
        article = self.read(text, content_type, timer, refuse_language=not (options and options.force_language))
        return self.annotate(
            article,
            targets=targets,
            claims=claims,
            options=options,
            id=id or text_id(text),
            timer=timer,
        )

    def read(self, text: str, content_type: ContentType = "auto", timer: _Timer | None = None, *,
             refuse_language: bool = False) -> Article:
        """The stages every analysis shares: normalise, language, sections, sentences, and one encoding pass.
        With `refuse_language` (as `analyze` and `analyze_batch` do, unless `options.force_language`), text in a
        language the models cannot read raises `UnsupportedLanguageError`. Without it the language is reported
        only: the evaluation and training code reads curated English data, where a misjudged headline must not
        stop a run; the result's `warnings` say when the text looked like another language."""
        timer = timer or _Timer()
        article = self._parse(text, content_type, timer, refuse_language)
        with timer.stage("encode"):
            self._encode([article])
        with timer.stage("entities"):
            self.entities(article)
        return article

    def _encode(self, articles: list[Article]) -> None:
        """One encoder pass over the sentences of all `articles`, with the token states the trained
        heads read when there are any; then the headings' states are computed in the same pass."""
        texts = [s.text for a in articles for s in a.sentences]
        layer = self.state_layer
        if layer is None:
            embeddings, states = self.encoder.encode(texts), None
        else:
            headings = [a.text[start:end] for a in articles for start, end in a.headings]
            embeddings, states = self.encoder.encode_with_states(texts + headings, layer)
        at = 0
        for article in articles:
            n = len(article.sentences)
            article.embeddings = embeddings[at : at + n]
            article.token_states = states[at : at + n] if states is not None else None
            at += n
        for article in articles:
            if states is not None:
                n = len(article.headings)
                article.heading_states = states[at : at + n]
                at += n

    def _parse(self, text: str, content_type: ContentType, timer: _Timer, refuse_language: bool) -> Article:
        self._check_text(text)
        with timer.stage("normalize"):
            article = normalize(text, content_type)
        with timer.stage("language"):
            article.language = detect(article.text)
            article.warnings = check_language(article.language, refuse=refuse_language)
        with timer.stage("sections"):
            article.sections = build_sections(article.text, article.markers)
        with timer.stage("sentences"):
            self.linguistics(article)
        return article

    def analyze_batch(
        self, requests: list[AnalyzeRequest], deadline: float | None = None
    ) -> list[AnalysisResult | ItemError]:
        """Analyse several articles, in order; a bad one gives an `ItemError` in its place.

        The sentences of all the articles go through the encoder in one call, so its batches
        are full even when articles are short; each article's `encode` time is its share of
        that call, by sentence count. Past `deadline` the whole batch stops with `DeadlineExceeded`.
        """
        _Timer(deadline).check("normalize")  # even an empty batch honours a deadline already past
        outcomes = self.analyze_each(requests, [deadline] * len(requests))
        for outcome in outcomes:
            if isinstance(outcome, DeadlineExceeded):
                raise outcome
        return [ItemError(id=_item_id(req), error=str(o), status=o.status_code) if isinstance(o, InputError) else o
                for req, o in zip(requests, outcomes)]  # type: ignore[misc]  # deadlines were raised above

    def analyze_each(
        self, requests: list[AnalyzeRequest], deadlines: list[float | None]
    ) -> list[AnalysisResult | InputError | DeadlineExceeded]:
        """`analyze_batch` with a deadline per article, and each failure returned in its article's place:
        what the server's micro-batches of concurrent requests run, one request per article."""
        out: list[AnalysisResult | InputError | DeadlineExceeded | None] = [None] * len(requests)
        parsed: list[tuple[int, Article, _Timer]] = []
        for i, (req, deadline) in enumerate(zip(requests, deadlines)):
            timer = _Timer(deadline)
            try:
                self._check_items(req.targets, req.claims)
                article = self._parse(req.text, req.content_type, timer, not req.options.force_language)
                timer.check("encode")
            except (InputError, DeadlineExceeded) as exc:
                out[i] = exc
                continue
            parsed.append((i, article, timer))
        shared = _Timer()
        with shared.stage("encode"):
            self._encode([a for _, a, _ in parsed])
        encode_ms = shared.ms["encode"]
        total = max(1, sum(len(a.sentences) for _, a, _ in parsed))
        for i, article, timer in parsed:
            timer.ms["encode"] = round(encode_ms * len(article.sentences) / total, 2)
            req = requests[i]
            try:
                with timer.stage("entities"):
                    self.entities(article)
                out[i] = self.annotate(article, targets=req.targets, claims=req.claims, options=req.options,
                                       id=_item_id(req), timer=timer)
                out[i].meta = dict(req.meta)  # type: ignore[union-attr]  # carried through for grouping
            except DeadlineExceeded as exc:
                out[i] = exc
        return out  # type: ignore[return-value]  # every slot is filled above

    def annotate(
        self,
        article: Article,
        *,
        targets: list[str] | None = None,
        claims: list[str] | None = None,
        options: AnalyzeOptions | None = None,
        id: str | None = None,
        timer: _Timer | None = None,
    ) -> AnalysisResult:
        """Summaries, hedges and stances of an article `read` has prepared; the article is not changed,
        so it can be annotated again with other claims or by a pipeline with other components."""
        targets = list(targets or [])
        claims = list(claims or [])
        options = options or AnalyzeOptions()
        self._check_items(targets, claims)
        timer = timer or _Timer()

        with timer.stage("encode"):
            claim_embeddings = self.encoder.encode(claims)
        with timer.stage("summaries"):
            n_doc = options.summary_sentences or DEFAULT_SUMMARY_SENTENCES
            summary = self.summarizer.summarize(
                article,
                [s.index for s in article.sentences],
                _summary_length(options, len(article.sentences), n_doc),
            )
            sections = [self._section(article, node, options) for node in article.sections]
        with timer.stage("hedges"):
            hedges = self.hedges(article)
            threshold = self.hedges.threshold if options.hedge_threshold is None else options.hedge_threshold
            # Listed only with a cue that shows why: a score alone is no hedged claim.
            hedged = [self._hedged_claim(article, h) for h in hedges if h.score >= threshold and h.shows_why()]
        with timer.stage("stances"):
            wanted = resolve_targets(article, targets, options.max_auto_targets if options.auto_targets else 0)
            stances = self.target_stance.score(article, wanted, options.evidence_per_target)
        with timer.stage("claims"):
            claim_results = []
            if claims:
                claim_results = self.claim_stance.score(article, self.claim_body(article, hedges), claims,
                                                        claim_embeddings, options.evidence_per_claim)
        timer.ms["total"] = round(sum(timer.ms.values()), 2)
        if self.on_timings is not None:
            self.on_timings(timer.ms)

        return AnalysisResult(
            id=id or text_id(article.text),
            text=article.text,
            content_type=article.content_type,
            model=self.model_info,
            language=_language_info(article),
            warnings=article.warnings,
            summary=summary,
            sections=sections,
            hedged_claims=hedged,
            stances=stances,
            claims=claim_results,
            sentence_count=len(article.sentences),
            timings_ms=timer.ms,
        )

    def claim_body(self, article: Article, hedges: list[SentenceHedges] | None = None) -> Body:
        """What the claim-stance stage reads of an article: its sentence encodings and hedge scores."""
        hedges = self.hedges(article) if hedges is None else hedges
        # By the stage's own threshold: a request's hedge_threshold changes the listing, not the labels.
        return Body.of(article, [h.score for h in hedges], self.hedges.threshold)

    def _section(self, article: Article, node: SectionNode, options: AnalyzeOptions,
                 parent: int | None = None) -> Section:
        if parent is None:
            ids = article.sentence_ids(node.index, deep=True)
        else:
            ids = article.sentence_ids(parent, node.index)
        n = _summary_length(options, len(ids), options.section_summary_sentences or DEFAULT_SECTION_SUMMARY_SENTENCES)
        return Section(
            index=node.index,
            level=node.level,
            heading=Span.of(article.text, *node.heading) if node.heading else None,
            start=node.start,
            end=node.end,
            summary=self.summarizer.summarize(article, ids, n),
            subsections=[self._section(article, sub, options, parent=node.index) for sub in node.subsections],
        )

    @staticmethod
    def _hedged_claim(article: Article, hedges: SentenceHedges) -> HedgedClaim:
        sentence = article.sentences[hedges.sentence]
        text = article.text
        return HedgedClaim(
            sentence=Span.of(text, sentence.start, sentence.end),
            section=sentence.section,
            subsection=sentence.subsection,
            score=hedges.score,
            cues=[Cue.of(text, c.start, c.end, type=c.type, uncertainty=c.uncertainty) for c in hedges.cues],
            source=Span.of(text, *hedges.source) if hedges.source else None,
            probabilities=hedges.probabilities,
        )


def _language_info(article: Article) -> LanguageInfo:
    found = article.language
    if found is None:  # an article built without the read step (tests, eval harnesses)
        return LanguageInfo(code=None, name=None, confidence=0.0)
    return LanguageInfo(code=found.code, name=found.name, confidence=found.confidence)


_default: dict[str, Pipeline] = {}
_default_lock = threading.Lock()


def default_pipeline() -> Pipeline:
    """The pipeline on the configured models (the configured profile's), loaded on first use and shared after."""
    settings = get_settings()
    with _default_lock:
        if settings.profile not in _default:
            _default[settings.profile] = Pipeline.load(settings)
        return _default[settings.profile]


def analyze(
    text: str,
    *,
    targets: list[str] | None = None,
    claims: list[str] | None = None,
    options: AnalyzeOptions | None = None,
    content_type: ContentType = "auto",
    id: str | None = None,
) -> AnalysisResult:
    """Analyse one article with the default pipeline. See `Pipeline.analyze`."""
    return default_pipeline().analyze(
        text, targets=targets, claims=claims, options=options, content_type=content_type, id=id
    )
