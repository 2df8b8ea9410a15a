export { HttpClient, type HttpResult, type RequestOptions } from "./http.ts";
export { pythonKernelspecs, testPython } from "./kernels.ts";
export {
  checkWithNbformat,
  type NbformatFixture,
  nbformatFixture,
  nbformatFixtures,
  writeNbformatFixture,
} from "./nbformat.ts";
export { adminDatabaseUrl, assertPostgres, createTestDatabase, INSTALL_HINT, type TestDatabase } from "./postgres.ts";
export {
  createNotebook,
  type Kernelspecs,
  type Preamble,
  type PreambleOptions,
  startPreamble,
  usePreamble,
} from "./preamble.ts";
export { startS3, type TestS3 } from "./s3.ts";
export { repoRoot, startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
export { createProject, createUser, type TestUser } from "./users.ts";
export { assertUv, makeWheels, serveWheels, type TinyWheel, testUvCache } from "./wheels.ts";
