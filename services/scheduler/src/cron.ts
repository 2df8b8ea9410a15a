import { Cron } from "croner";
import { invalid } from "./errors.ts";

/** Most fire times enqueued at once by the "all" catch-up policy (a long outage must not flood the queue). */
export const MAX_CATCH_UP = 100;

function zoneExists(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** A parsed schedule; croner reads it in the job's time zone (DST gaps and repeats included). */
export function parseSchedule(cron: string, timezone: string): Cron {
  if (!zoneExists(timezone)) throw invalid(`Unknown time zone "${timezone}" (use an IANA name such as Europe/Paris)`);
  try {
    return new Cron(cron, { timezone, paused: true, mode: "auto" });
  } catch (err) {
    throw invalid(`Invalid cron expression "${cron}": ${(err as Error).message}`);
  }
}

/** The next `count` fire times strictly after `after`. */
export function upcoming(cron: string, timezone: string, after: Date, count: number): Date[] {
  return parseSchedule(cron, timezone).nextRuns(count, after);
}

/** The first fire time strictly after `after`, or null when the schedule never fires again. */
export function nextFire(cron: string, timezone: string, after: Date): Date | null {
  return parseSchedule(cron, timezone).nextRun(after);
}

/** Fire times in (from, to], oldest first, at most `cap`. */
export function firesBetween(cron: string, timezone: string, from: Date, to: Date, cap = MAX_CATCH_UP): Date[] {
  const schedule = parseSchedule(cron, timezone);
  const out: Date[] = [];
  let t: Date | null = from;
  while (out.length < cap) {
    t = schedule.nextRun(t);
    if (!t || t > to) break;
    out.push(t);
  }
  return out;
}
