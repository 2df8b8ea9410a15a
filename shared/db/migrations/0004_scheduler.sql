CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"notebook_id" uuid,
	"name" text NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"environment_id" uuid,
	"revision" text,
	"timeout_seconds" integer,
	"stop_on_error" boolean DEFAULT true NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"retry_backoff_seconds" integer DEFAULT 60 NOT NULL,
	"concurrency" text DEFAULT 'skip' NOT NULL,
	"cron" text,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"catch_up" text DEFAULT 'latest' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"webhook" jsonb,
	"next_fire_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notebook_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"notebook_id" uuid,
	"notebook_name" text NOT NULL,
	"number" integer NOT NULL,
	"document_id" uuid,
	"job_id" uuid,
	"job_name" text,
	"trigger" text NOT NULL,
	"rerun_of" uuid,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"environment_id" uuid,
	"revision" text,
	"timeout_seconds" integer,
	"stop_on_error" boolean DEFAULT true NOT NULL,
	"kernelspec" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"retry_backoff_seconds" integer DEFAULT 60 NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"error" jsonb,
	"cells" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"log" text DEFAULT '' NOT NULL,
	"experiment_run_id" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notebooks" ADD COLUMN "kind" text DEFAULT 'notebook' NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_notebook_id_notebooks_id_fk" FOREIGN KEY ("notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notebook_runs" ADD CONSTRAINT "notebook_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notebook_runs" ADD CONSTRAINT "notebook_runs_notebook_id_notebooks_id_fk" FOREIGN KEY ("notebook_id") REFERENCES "public"."notebooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notebook_runs" ADD CONSTRAINT "notebook_runs_document_id_notebooks_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."notebooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notebook_runs" ADD CONSTRAINT "notebook_runs_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notebook_runs" ADD CONSTRAINT "notebook_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_project_idx" ON "jobs" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "jobs_next_fire_idx" ON "jobs" USING btree ("next_fire_at");--> statement-breakpoint
CREATE INDEX "notebook_runs_queue_idx" ON "notebook_runs" USING btree ("status","not_before");--> statement-breakpoint
CREATE INDEX "notebook_runs_project_idx" ON "notebook_runs" USING btree ("project_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notebook_runs_notebook_idx" ON "notebook_runs" USING btree ("notebook_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notebook_runs_job_idx" ON "notebook_runs" USING btree ("job_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "notebook_runs_document_idx" ON "notebook_runs" USING btree ("document_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notebook_runs_job_fire_key" ON "notebook_runs" USING btree ("job_id","scheduled_for") WHERE "notebook_runs"."trigger" = 'schedule';