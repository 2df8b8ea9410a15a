-- Kernel tokens: their own kind (a narrow scope), issued by one server (revoked when it restarts).
ALTER TABLE "api_tokens" ADD COLUMN "kind" text DEFAULT 'personal' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "issuer" text;--> statement-breakpoint
CREATE INDEX "api_tokens_issuer_idx" ON "api_tokens" USING btree ("issuer") WHERE "kind" = 'kernel' AND "revoked_at" IS NULL;
