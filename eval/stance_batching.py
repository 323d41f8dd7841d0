"""Issue 10 step 1: the target-stance stage with one model call per target against one call for all
targets, alternating in one process over `stancelens bench`'s workload.

    .venv/bin/python eval/stance_batching.py
"""

import time, statistics
from stancelens.pipeline import default_pipeline
from stancelens.benchmark.workload import build_workload, resolve_data_dir
from stancelens.targets import resolve_targets
p = default_pipeline()
w = build_workload(20, [1000], resolve_data_dir(None))
arts = []
for a in w.articles:
    art = p.read(a.text)
    ts = resolve_targets(art, [], 10)
    arts.append((art, ts))
sc = p.target_stance
def one(art, ts): return [sc.score(art, [t], 3)[0] for t in ts]
def batched(art, ts): return sc.score(art, ts, 3)
for f in (one, batched): [f(a, t) for a, t in arts]
res = {"one": [], "batched": []}
for r in range(5):
    for name, f in ((("one", one), ("batched", batched)) if r % 2 == 0 else (("batched", batched), ("one", one))):
        t0 = time.perf_counter(); [f(a, t) for a, t in arts]; res[name].append(time.perf_counter() - t0)
m = {k: statistics.median(v) for k, v in res.items()}
print({k: round(v * 1000 / len(arts), 1) for k, v in m.items()}, "ms/article; ratio", round(m["one"] / m["batched"], 2))
print("targets per article", statistics.mean(len(t) for _, t in arts), "mentions", statistics.mean(sum(len(x.mentions) for x in t) for _, t in arts))
