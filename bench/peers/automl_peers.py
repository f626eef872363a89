#!/usr/bin/python3
"""Peers for `swarm-bench automl`: scikit-learn and python xgboost with default settings on the same split files.

usage:
  automl_peers.py classify SPLIT_DIR DATASETS_JSON OUT_JSON
      DATASETS_JSON: [{"name": ..., "target": ...}, ...]; SPLIT_DIR/<name>/train.csv and test.csv (written by the C# side).
      Writes {name: {peer: {"macro_f1": x, "seconds": s}}} to OUT_JSON.
  automl_peers.py interop DATA_BIN ROWS COLS PARAMS_JSON ROUNDS REPEATS
      Trains python xgboost on the same float32 matrix (label in the last column) and prints the training seconds as JSON.
"""
import json, sys, time, warnings

import numpy as np

warnings.filterwarnings("ignore")


def preprocess(scale):
    from sklearn.compose import make_column_selector, ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    numeric = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    return ColumnTransformer([
        ("num", make_pipeline(*numeric), make_column_selector(dtype_include="number")),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
         make_column_selector(dtype_exclude="number")),
    ])


def peers():
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    import xgboost
    return {
        "sk_hgb": lambda: make_pipeline(preprocess(False), HistGradientBoostingClassifier(random_state=0)),
        "sk_rf": lambda: make_pipeline(preprocess(False), RandomForestClassifier(random_state=0)),
        # LogisticRegression defaults except max_iter (the default 100 often stops before converging).
        "sk_logreg": lambda: make_pipeline(preprocess(True), LogisticRegression(max_iter=1000)),
        "py_xgboost": lambda: make_pipeline(preprocess(False), xgboost.XGBClassifier(random_state=0)),
    }


def classify(split_dir, datasets_json, out_json):
    import pandas as pd
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import LabelEncoder
    datasets = json.load(open(datasets_json))
    results = {}
    for ds in datasets:
        name, target = ds["name"], ds["target"]
        train = pd.read_csv(f"{split_dir}/{name}/train.csv", keep_default_na=False, na_values=[""])
        test = pd.read_csv(f"{split_dir}/{name}/test.csv", keep_default_na=False, na_values=[""])
        y_train = train.pop(target).astype(str)
        y_test = test.pop(target).astype(str)
        encoder = LabelEncoder().fit(pd.concat([y_train, y_test]))
        results[name] = {}
        for peer, make in peers().items():
            started = time.time()
            model = make()
            model.fit(train, encoder.transform(y_train))
            predicted = model.predict(test)
            score = f1_score(encoder.transform(y_test), predicted, average="macro")
            results[name][peer] = {"macro_f1": float(score), "seconds": time.time() - started}
            print(f"{name:28s} {peer:12s} macro_f1={score:.4f} ({time.time() - started:.1f} s)", file=sys.stderr, flush=True)
    json.dump(results, open(out_json, "w"), indent=1)


def interop(data_bin, rows, cols, params_json, rounds, repeats):
    import xgboost
    data = np.fromfile(data_bin, dtype=np.float32).reshape(int(rows), int(cols) + 1)
    # Contiguous copies, as the C# side has: a strided view would make xgboost copy inside the timed part.
    x, y = np.ascontiguousarray(data[:, :-1]), np.ascontiguousarray(data[:, -1])
    params = json.loads(params_json)
    seconds = []
    for _ in range(int(repeats)):
        started = time.perf_counter()
        matrix = xgboost.DMatrix(x, label=y, missing=np.nan, nthread=int(params.get("nthread", 0)))
        xgboost.train(params, matrix, int(rounds))
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds, "xgboost": xgboost.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "classify":
        classify(*sys.argv[2:5])
    elif sys.argv[1] == "interop":
        interop(*sys.argv[2:8])
    else:
        sys.exit(__doc__)
