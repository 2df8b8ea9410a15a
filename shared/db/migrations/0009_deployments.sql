CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL REFERENCES "projects"("id") ON DELETE cascade,
	"name" text NOT NULL,
	"registered_model_id" uuid NOT NULL REFERENCES "registered_models"("id") ON DELETE restrict,
	"alias" text,
	"version" integer,
	"canary" jsonb,
	"replicas" integer DEFAULT 1 NOT NULL,
	"resources" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"timeout_ms" integer DEFAULT 30000 NOT NULL,
	"desired" text DEFAULT 'running' NOT NULL,
	"status" text DEFAULT 'building' NOT NULL,
	"reason" text,
	"serving" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid REFERENCES "users"("id") ON DELETE set null,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployments_name_key" UNIQUE("name"),
	CONSTRAINT "deployments_target_check" CHECK (("alias" IS NULL) <> ("version" IS NULL))
);
--> statement-breakpoint
CREATE INDEX "deployments_project_idx" ON "deployments" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "deployments_model_idx" ON "deployments" USING btree ("registered_model_id");--> statement-breakpoint
CREATE TABLE "deployment_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL REFERENCES "deployments"("id") ON DELETE cascade,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid REFERENCES "users"("id") ON DELETE set null,
	"action" text NOT NULL,
	"versions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detail" text
);
--> statement-breakpoint
CREATE INDEX "deployment_history_idx" ON "deployment_history" USING btree ("deployment_id","id");
