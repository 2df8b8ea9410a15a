CREATE TABLE "environments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"spec" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"identity" text,
	"lock" jsonb,
	"size_bytes" bigint,
	"error" text,
	"log" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"built_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "environments_name_version_key" ON "environments" USING btree ("name","version");--> statement-breakpoint
CREATE INDEX "environments_identity_idx" ON "environments" USING btree ("identity");