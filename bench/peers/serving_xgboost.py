"""Peer for the serving bench: python xgboost predicting with the same model.json.

Usage: serving_xgboost.py MODEL_JSON SINGLE_CALLS BATCH_ROWS
Prints one JSON line: single-row p50/p99 (ms) with inplace_predict (DMatrix for gblinear), and the median of 5 batch calls (ms).
Features are random floats of the model's width: prediction cost does not depend on the values.
"""
import json, sys, time
import numpy as np
import xgboost as xgb

model, single, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
booster = xgb.Booster()
booster.load_model(model)
booster.set_param({"nthread": 1})
width = booster.num_features()
rng = np.random.default_rng(7)
one = rng.random((1, width), dtype=np.float32)
batch = rng.random((rows, width), dtype=np.float32)
def predict(x):
    return booster.inplace_predict(x)

try:
    predict(one)
except xgb.core.XGBoostError:
    # xgboost 1.7 cannot predict gblinear models in place; use a DMatrix as its docs do.
    def predict(x):
        return booster.predict(xgb.DMatrix(x))
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
print(json.dumps({"features": width, "p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99) - 1], "batch_ms": batches[2]}))
