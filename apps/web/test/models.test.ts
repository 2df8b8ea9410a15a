import { describe, expect, it } from "vitest";
import { flavorsOf, metricKeys, modelFileUrl, signatureOf } from "../src/lib/models.ts";

// The MLmodel file as mlflow 3.17's sklearn flavor writes it.
const MLMODEL = `artifact_path: model
flavors:
  python_function:
    env:
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    python_version: 3.13.5
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
mlflow_version: 3.17.2
model_id: m-0123
signature:
  inputs: '[{"type": "double", "name": "tenure", "required": true}, {"type": "string", "name": "plan's", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
`;

describe("model pages' helpers", () => {
  it("reads the signature and flavors of an MLmodel file", () => {
    expect(signatureOf(MLMODEL.replace("plan's", "plan''s"))).toEqual({
      inputs: ["tenure: double", "plan's: string"],
      outputs: ["(unnamed): long"],
    });
    expect(signatureOf("flavors:\n  sklearn: {}\n")).toBeNull();
    expect(signatureOf(null)).toBeNull();
    expect(flavorsOf(MLMODEL)).toEqual(["python_function", "sklearn"]);
  });

  it("collects metric columns and builds artifact URLs through the MLflow proxy", () => {
    const v = (metrics: Record<string, number>) => ({ metrics }) as never;
    expect(metricKeys([v({ rmse: 1 }), v({ accuracy: 0.9, rmse: 2 })])).toEqual(["accuracy", "rmse"]);
    expect(modelFileUrl("3", "m-1", "data/my model.pkl")).toBe(
      "/api/2.0/mlflow-artifacts/artifacts/3/models/m-1/artifacts/data/my%20model.pkl",
    );
  });
});
