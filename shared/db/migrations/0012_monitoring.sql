ALTER TABLE "deployments" ADD COLUMN "log_sample_rate" real DEFAULT 0.01 NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "sensitive" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE TABLE "deployment_rollups" (
	"deployment_id" uuid NOT NULL REFERENCES "deployments"("id") ON DELETE cascade,
	"resolution" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"version" integer NOT NULL,
	"requests" integer NOT NULL,
	"errors_4xx" integer NOT NULL,
	"errors_5xx" integer NOT NULL,
	"latency_sum" double precision NOT NULL,
	"bytes_in" bigint NOT NULL,
	"bytes_out" bigint NOT NULL,
	"histogram" integer[] NOT NULL,
	CONSTRAINT "deployment_rollups_pkey" PRIMARY KEY("deployment_id","resolution","bucket","version")
);
--> statement-breakpoint
CREATE INDEX "deployment_rollups_age_idx" ON "deployment_rollups" USING btree ("resolution","bucket");--> statement-breakpoint
CREATE TABLE "deployment_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL REFERENCES "deployments"("id") ON DELETE cascade,
	"at" timestamp with time zone NOT NULL,
	"version" integer,
	"replica" text,
	"status" integer NOT NULL,
	"latency_seconds" double precision NOT NULL,
	"bytes_in" integer NOT NULL,
	"bytes_out" integer NOT NULL,
	"input" text,
	"output" text
);
--> statement-breakpoint
CREATE INDEX "deployment_requests_idx" ON "deployment_requests" USING btree ("deployment_id","at");--> statement-breakpoint
CREATE INDEX "deployment_requests_age_idx" ON "deployment_requests" USING btree ("at");
