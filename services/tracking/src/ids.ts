import { randomBytes, randomInt } from "node:crypto";

/** A run id as MLflow makes them: 32 lowercase hex characters. */
export const newRunId = () => randomBytes(16).toString("hex");

const adjectives = [
  "brave",
  "calm",
  "clever",
  "bold",
  "bright",
  "swift",
  "quiet",
  "keen",
  "lucky",
  "merry",
  "noble",
  "sunny",
];
const nouns = ["fox", "owl", "lynx", "hawk", "otter", "wolf", "crane", "heron", "bear", "finch", "seal", "moth"];

/** A readable default run name, like MLflow's `brave-fox-123`. */
export function newRunName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${nouns[randomInt(nouns.length)]}-${randomInt(1000)}`;
}
