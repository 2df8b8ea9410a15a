CREATE TABLE "artifacts" (
	"experiment_id" bigint NOT NULL,
	"path" text NOT NULL,
	"run_id" text,
	"sha256" text NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_experiment_id_path_pk" PRIMARY KEY("experiment_id","path")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "experiments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" uuid NOT NULL,
	"notebook_id" uuid,
	"name" text NOT NULL,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid,
	"creation_time" bigint NOT NULL,
	"last_update_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "latest_metrics" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"is_nan" boolean DEFAULT false NOT NULL,
	"timestamp" bigint NOT NULL,
	"step" bigint NOT NULL,
	CONSTRAINT "latest_metrics_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" double precision NOT NULL,
	"is_nan" boolean DEFAULT false NOT NULL,
	"timestamp" bigint NOT NULL,
	"step" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_inputs" (
	"run_id" text NOT NULL,
	"digest" text NOT NULL,
	"name" text NOT NULL,
	"dataset" jsonb NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "run_inputs_run_id_name_digest_pk" PRIMARY KEY("run_id","name","digest")
);
--> statement-breakpoint
CREATE TABLE "run_params" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_params_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "run_tags" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_tags_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"experiment_id" bigint NOT NULL,
	"name" text NOT NULL,
	"user_id" uuid,
	"user_name" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'RUNNING' NOT NULL,
	"start_time" bigint NOT NULL,
	"end_time" bigint,
	"lifecycle_stage" text DEFAULT 'active' NOT NULL,
	"source_notebook_id" uuid,
	"notebook_revision" text,
	"environment_id" text,
	"gpus" jsonb,
	"parent_run_id" text,
	"deleted_time" bigint
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_notebook_id_notebooks_id_fk" FOREIGN KEY ("notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "latest_metrics" ADD CONSTRAINT "latest_metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metrics" ADD CONSTRAINT "metrics_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_params" ADD CONSTRAINT "run_params_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tags" ADD CONSTRAINT "run_tags_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_source_notebook_id_notebooks_id_fk" FOREIGN KEY ("source_notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artifacts_run_idx" ON "artifacts" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "artifacts_sha_idx" ON "artifacts" USING btree ("sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_project_name_key" ON "experiments" USING btree ("project_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_notebook_key" ON "experiments" USING btree ("notebook_id");--> statement-breakpoint
CREATE INDEX "latest_metrics_key_value_idx" ON "latest_metrics" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "metrics_run_key_step_idx" ON "metrics" USING btree ("run_id","key","step","timestamp");--> statement-breakpoint
CREATE INDEX "run_params_key_value_idx" ON "run_params" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "run_tags_key_value_idx" ON "run_tags" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "runs_experiment_start_idx" ON "runs" USING btree ("experiment_id","start_time" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_parent_idx" ON "runs" USING btree ("parent_run_id");--> statement-breakpoint
CREATE INDEX "runs_notebook_idx" ON "runs" USING btree ("source_notebook_id");