"""The models benchmark's client, run with the same interpreter against both servers (test/bench/models.bench.ts).

phase "register": logs one sklearn model, then times REPEAT rounds of register_model + set_registered_model_alias
+ pyfunc.load_model("models:/<name>@champion"), and registers the search model's first version.
phase "search": times search_model_versions pages of PAGE over the SEARCH model's versions, walking every page.
"""

import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

phase = sys.argv[1]
client = MlflowClient()
out = {}
if phase == "register":
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment(os.environ["EXPERIMENT"])
    X = np.random.RandomState(0).rand(200, 4)
    y = (X[:, 0] > 0.5).astype(int)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="model", input_example=X[:2])
    source = f"runs:/{run.info.run_id}/model"
    name = os.environ["MODEL"]
    rounds = []
    for _ in range(int(os.environ["REPEAT"])):
        t0 = time.perf_counter()
        v = mlflow.register_model(source, name)
        t1 = time.perf_counter()
        client.set_registered_model_alias(name, "champion", v.version)
        t2 = time.perf_counter()
        model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
        t3 = time.perf_counter()
        assert model.predict(X[:2]).shape == (2,)
        rounds.append({"register": t1 - t0, "alias": t2 - t1, "load": t3 - t2, "total": t3 - t0})
    mlflow.register_model(source, os.environ["SEARCH"])
    out = {"rounds": rounds}
else:
    page_size = int(os.environ["PAGE"])
    flt = f"name = '{os.environ['SEARCH']}'"
    pages, seen, aliased, token = [], 0, 0, None
    while True:
        t0 = time.perf_counter()
        page = client.search_model_versions(flt, max_results=page_size, page_token=token)
        pages.append(time.perf_counter() - t0)
        seen += len(page)
        aliased += sum(1 for v in page if v.aliases)
        token = page.token
        if not token:
            break
    out = {"pages": pages, "seen": seen, "aliased": aliased}
print(json.dumps(out))
