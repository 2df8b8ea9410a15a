CREATE TABLE "logged_models" (
	"id" text PRIMARY KEY NOT NULL,
	"experiment_id" bigint NOT NULL REFERENCES "experiments"("id") ON DELETE cascade,
	"name" text NOT NULL,
	"source_run_id" text REFERENCES "runs"("id") ON DELETE set null,
	"model_type" text,
	"status" text DEFAULT 'LOGGED_MODEL_PENDING' NOT NULL,
	"status_message" text,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"creator_id" uuid REFERENCES "users"("id") ON DELETE set null,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_updated_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "logged_models_experiment_idx" ON "logged_models" USING btree ("experiment_id","creation_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "logged_models_run_idx" ON "logged_models" USING btree ("source_run_id");--> statement-breakpoint
CREATE TABLE "run_outputs" (
	"run_id" text NOT NULL REFERENCES "runs"("id") ON DELETE cascade,
	"model_id" text NOT NULL REFERENCES "logged_models"("id") ON DELETE cascade,
	"step" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "run_outputs_run_id_model_id_pk" PRIMARY KEY("run_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "registered_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE cascade,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid REFERENCES "users"("id") ON DELETE set null,
	"next_version" integer DEFAULT 1 NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_updated_time" bigint NOT NULL,
	CONSTRAINT "registered_models_name_key" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"registered_model_id" uuid NOT NULL REFERENCES "registered_models"("id") ON DELETE cascade,
	"version" integer NOT NULL,
	"source" text NOT NULL,
	"run_id" text REFERENCES "runs"("id") ON DELETE set null,
	"model_id" text REFERENCES "logged_models"("id") ON DELETE set null,
	"description" text DEFAULT '' NOT NULL,
	"current_stage" text DEFAULT 'None' NOT NULL,
	"status" text DEFAULT 'READY' NOT NULL,
	"run_link" text DEFAULT '' NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid REFERENCES "users"("id") ON DELETE set null,
	"user_name" text DEFAULT '' NOT NULL,
	"creation_time" bigint NOT NULL,
	"last_updated_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_model_version_key" ON "model_versions" USING btree ("registered_model_id","version");--> statement-breakpoint
CREATE INDEX "model_versions_run_idx" ON "model_versions" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "model_versions_source_idx" ON "model_versions" USING btree ("source");--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"registered_model_id" uuid NOT NULL REFERENCES "registered_models"("id") ON DELETE cascade,
	"alias" text NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "model_aliases_registered_model_id_alias_pk" PRIMARY KEY("registered_model_id","alias")
);
--> statement-breakpoint
CREATE TABLE "model_alias_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "model_alias_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"registered_model_id" uuid NOT NULL REFERENCES "registered_models"("id") ON DELETE cascade,
	"alias" text NOT NULL,
	"from_version" integer,
	"to_version" integer,
	"user_id" uuid REFERENCES "users"("id") ON DELETE set null,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "model_alias_events_model_alias_at_idx" ON "model_alias_events" USING btree ("registered_model_id","alias","at");
