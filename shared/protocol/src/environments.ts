import { z } from "zod";
import { Id, Name, Timestamp } from "./common.ts";

/** One PEP 508 requirement line. Option lines (`-r`, `--index-url`, `-e`) are refused: indexes have their own fields. */
export const Requirement = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .refine((s) => !s.startsWith("-"), "option lines (-r, -e, --index-url…) are not requirements; use the spec's fields")
  .refine((s) => !/[\r\n]/.test(s), "one requirement per entry");

const HttpUrl = z.url({ protocol: /^https?$/ });

export const EnvironmentIndexes = z
  .object({
    url: HttpUrl.optional().describe("Replaces PyPI as the main index (e.g. a mirror)"),
    extra: z.array(HttpUrl).max(10).default([]).describe("Extra indexes, e.g. https://download.pytorch.org/whl/cu124"),
    findLinks: z
      .array(z.string().min(1).max(2000))
      .max(10)
      .default([])
      .describe("Pages or (admins only) local directories of wheels"),
    noIndex: z.boolean().default(false).describe("Use findLinks only, never an index"),
  })
  .meta({ id: "EnvironmentIndexes" });

export const GpuNeeds = z
  .object({
    count: z.number().int().min(0).max(64).default(1),
    cuda: z
      .string()
      .regex(/^\d+\.\d+$/, "CUDA version as major.minor, e.g. 12.4")
      .optional()
      .describe("CUDA the environment's packages were built for; the driver is checked against it"),
  })
  .meta({ id: "GpuNeeds" });

export const CreateEnvironmentBody = z
  .object({
    name: Name,
    python: z
      .string()
      .regex(/^3(\.\d+){0,2}$/, "a Python 3 version such as 3, 3.11 or 3.11.7")
      .default("3"),
    requirements: z.array(Requirement).max(1000).default([]),
    requirementsTxt: z
      .string()
      .max(200_000)
      .refine(
        (t) => !t.split(/\r?\n/).some((l) => l.trim().startsWith("-")),
        "option lines (-r, -e, --find-links…) are not requirements; use the spec's fields",
      )
      .optional()
      .describe("A requirements.txt (PEP 508 lines; options refused)"),
    pyproject: z.string().max(200_000).optional().describe("A pyproject.toml whose [project] dependencies are used"),
    indexes: EnvironmentIndexes.optional(),
    gpu: GpuNeeds.optional(),
    snapshot: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        "Resolve as the indexes stood at this time (uv --exclude-newer), so a spec resolves the same later on; " +
          "needs indexes that publish upload times (PyPI does, the PyTorch index does not)",
      ),
    base: z
      .object({ python: z.string().regex(/^\//, "an absolute path").max(1000) })
      .optional()
      .describe("Start from this interpreter's packages (--system-site-packages); admins only"),
  })
  .meta({ id: "CreateEnvironmentBody" });
export type CreateEnvironmentBody = z.input<typeof CreateEnvironmentBody>;
export type EnvironmentSpec = z.output<typeof CreateEnvironmentBody>;

export const EnvironmentStatus = z
  .enum(["queued", "resolving", "building", "ready", "failed"])
  .meta({ id: "EnvironmentStatus" });
export type EnvironmentStatus = z.infer<typeof EnvironmentStatus>;

export const LockedPackage = z
  .object({ name: z.string(), version: z.string(), hashes: z.array(z.string()), index: z.string().nullable() })
  .meta({ id: "LockedPackage" });
export type LockedPackage = z.infer<typeof LockedPackage>;

export const Environment = z
  .object({
    id: Id,
    name: z.string(),
    version: z.number().int().describe("Editing a spec creates a new version; versions are immutable"),
    status: EnvironmentStatus,
    identity: z.string().nullable().describe("Hash of lock + Python version + platform (null until resolved)"),
    python: z.string().nullable().describe("The exact interpreter version, once resolved"),
    platform: z.string().nullable(),
    spec: CreateEnvironmentBody,
    packages: z.array(LockedPackage).nullable(),
    basePackages: z.array(z.string()).nullable().describe("The base interpreter's frozen packages, when built on one"),
    sizeBytes: z.number().nullable(),
    kernelspec: z.string().describe("The kernelspec name notebooks select"),
    error: z.string().nullable(),
    createdBy: Id.nullable(),
    createdAt: Timestamp,
    builtAt: Timestamp.nullable(),
  })
  .meta({ id: "Environment" });
export type Environment = z.infer<typeof Environment>;

export const Gpu = z
  .object({
    index: z.number().int(),
    uuid: z.string(),
    name: z.string(),
    driverVersion: z.string(),
    memoryTotalMiB: z.number().nullable(),
  })
  .meta({ id: "Gpu" });
export type Gpu = z.infer<typeof Gpu>;

export const GpuStatus = z
  .object({
    gpus: z.array(Gpu.extend({ allocatedTo: z.string().nullable() })),
    queue: z.array(z.object({ environmentId: z.string(), count: z.number().int(), since: Timestamp })),
  })
  .meta({ id: "GpuStatus" });
export type GpuStatus = z.infer<typeof GpuStatus>;

export const GcResult = z
  .object({ removed: z.array(z.string()).describe("Identities of the directories removed"), freedBytes: z.number() })
  .meta({ id: "GcResult" });
export type GcResult = z.infer<typeof GcResult>;
