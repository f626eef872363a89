"""Peer for the serving bench: python xgboost predicting with the same model files.

Usage: serving_xgboost.py MODEL_JSON SINGLE_CALLS BATCH_ROWS [BUNDLE_DIR]
Prints one JSON line: single-row p50/p99 (ms) with inplace_predict (DMatrix for gblinear), and the median of 5 batch calls (ms),
for MODEL_JSON; with BUNDLE_DIR (an unzipped bundle: bundle.json, model.json, model-N.json) also the same figures for the
whole bundle, every member predicted and averaged with its weight as our server does ("bundle_" keys).
Features are random floats of the model's width: prediction cost does not depend on the values.
"""
import json, os, sys, time
import numpy as np
import xgboost as xgb

model, single, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bundle_dir = sys.argv[4] if len(sys.argv) > 4 else None


def load(path):
    booster = xgb.Booster()
    booster.load_model(path)
    booster.set_param({"nthread": 1})
    return booster


def predictor(booster):
    probe = np.zeros((1, booster.num_features()), dtype=np.float32)
    try:
        booster.inplace_predict(probe)
        return booster.inplace_predict
    except xgb.core.XGBoostError:
        # xgboost 1.7 cannot predict gblinear models in place; use a DMatrix as its docs do.
        return lambda x: booster.predict(xgb.DMatrix(x))


def measure(predict, width):
    rng = np.random.default_rng(7)
    one = rng.random((1, width), dtype=np.float32)
    batch = rng.random((rows, width), dtype=np.float32)
    for _ in range(50):
        predict(one)
    times = []
    for _ in range(single):
        t = time.perf_counter(); predict(one); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    batches = []
    for _ in range(5):
        t = time.perf_counter(); predict(batch); batches.append((time.perf_counter() - t) * 1000)
    batches.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1], batches[2]


first = load(model)
width = first.num_features()
p50, p99, batch_ms = measure(predictor(first), width)
result = {"features": width, "p50_ms": p50, "p99_ms": p99, "batch_ms": batch_ms}
if bundle_dir:
    members = json.load(open(os.path.join(bundle_dir, "bundle.json"))).get("Members") or [{"Weight": 1.0}]
    files = ["model.json"] + [f"model-{i}.json" for i in range(1, len(members))]
    scored = [(m["Weight"], predictor(load(os.path.join(bundle_dir, f)))) for m, f in zip(members, files)]

    def bundle(x):
        return sum(w * p(x) for w, p in scored)

    p50, p99, batch_ms = measure(bundle, width)
    result.update({"members": len(scored), "bundle_p50_ms": p50, "bundle_p99_ms": p99, "bundle_batch_ms": batch_ms})
print(json.dumps(result))
