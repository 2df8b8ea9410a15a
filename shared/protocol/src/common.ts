import { z } from "zod";

export const Id = z.uuid();
export const Timestamp = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");
export const Name = z.string().trim().min(1).max(200);

export const IdParam = z.object({ id: Id });
