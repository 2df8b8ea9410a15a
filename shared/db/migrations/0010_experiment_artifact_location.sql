-- The artifact_location a client gave experiments/create, read back as given (MLflow keeps it); null: the proxied
-- store's own `mlflow-artifacts:/<id>`.
ALTER TABLE "experiments" ADD COLUMN "artifact_location" text;
