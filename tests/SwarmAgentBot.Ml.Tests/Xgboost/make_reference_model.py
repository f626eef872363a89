# Reference for XgboostInteropTests: deterministic data (no RNG), trained by Debian's python xgboost 1.7.4.
import xgboost as xgb, numpy as np, json
n, p = 200, 3
X = np.array([[((i * 7 + j * 13) % 17) / 4.0 - 2.0 for j in range(p)] for i in range(n)], dtype=np.float32)
X[::11, 1] = np.nan
y = np.array([1.0 if X[i,0] + 0.5 * (0 if np.isnan(X[i,1]) else X[i,1]) - 0.25 * X[i,2] > 0 else 0.0 for i in range(n)], dtype=np.float32)
d = xgb.DMatrix(X, label=y, missing=np.nan)
b = xgb.train({'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': 4, 'eta': 0.5, 'nthread': 1, 'seed': 0, 'base_score': 0.5}, d, 8)
b.save_model('/tmp/reference_model.json')
rows = [0, 1, 2, 3, 11, 50, 77, 199]
pred = b.predict(xgb.DMatrix(X[rows], missing=np.nan))
print(repr(pred.tolist()))
print(X[rows].tolist())
