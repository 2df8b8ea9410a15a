/**
 * What a kernel's token (TANDEM_API_TOKEN, MLFLOW_TRACKING_TOKEN) may call: what code in a
 * notebook needs — MLflow tracking and registry, reading its project and notebooks, the
 * experiment, run and model APIs. Never membership, tokens, share links, jobs, kernels or project
 * settings: anyone who can run a cell on a shared kernel can read its token.
 */
const ID = "[^/]+";
const ALLOWED: { methods: RegExp; path: RegExp }[] = [
  // MLflow's REST API and artifact store, whatever the method.
  { methods: /.*/, path: /^\/api\/2\.0\/mlflow(-artifacts)?(\/|$)/ },
  {
    methods: /^(GET|HEAD)$/,
    path: new RegExp(
      `^/api/(health|me|projects|kernelspecs|environments|gpus|projects/${ID}(/(notebooks|experiments|runs))?|` +
        `notebooks/${ID}(/(ipynb|runs|versions(/${ID})?))?|experiments/.+|experiment-runs/.+|runs/${ID}(/(logs|ipynb))?|` +
        `environments/${ID}(/(logs|requirements\\.txt))?)/?$`,
    ),
  },
  // Headless runs of the project's notebooks (they run as editors at most, like the token).
  { methods: /^POST$/, path: new RegExp(`^/api/(notebooks/${ID}/runs|runs/${ID}/(cancel|retry|rerun))/?$`) },
];

export function kernelTokenMayCall(method: string, path: string): boolean {
  return ALLOWED.some((rule) => rule.methods.test(method) && rule.path.test(path));
}
