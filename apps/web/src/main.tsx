import { Navigate, Route, Router, useParams } from "@solidjs/router";
import { lazy, Show } from "solid-js";
import { render } from "solid-js/web";
import { AppShell } from "./components/AppShell.tsx";
import { isExperimentRunId } from "./lib/jobs.ts";
import { NotFoundPage } from "./pages/NotFoundPage.tsx";
import { ProjectPage } from "./pages/ProjectPage.tsx";
import { ProjectsPage } from "./pages/ProjectsPage.tsx";
import { SignInPage } from "./pages/SignInPage.tsx";
import { TokensPage } from "./pages/TokensPage.tsx";
import "./styles.css";

// The notebook (CodeMirror, Yjs, KaTeX) loads only when a notebook is opened.
const NotebookPage = lazy(() => import("./pages/NotebookPage.tsx").then((m) => ({ default: m.NotebookPage })));
const Exp = () => import("./pages/ExperimentPages.tsx");
const ExperimentsListPage = lazy(() => Exp().then((m) => ({ default: m.ExperimentsListPage })));
const ExperimentPage = lazy(() => Exp().then((m) => ({ default: m.ExperimentPage })));
const ExperimentRunPage = lazy(() => Exp().then((m) => ({ default: m.RunPage })));
const ComparePage = lazy(() => Exp().then((m) => ({ default: m.ComparePage })));
const Sched = () => import("./pages/JobsPage.tsx");
const JobsPage = lazy(() => Sched().then((m) => ({ default: m.JobsPage })));
const JobPage = lazy(() => import("./pages/JobPage.tsx").then((m) => ({ default: m.JobPage })));
const RunsPage = lazy(() => import("./pages/RunsPage.tsx").then((m) => ({ default: m.RunsPage })));
const NotebookRunPage = lazy(() => import("./pages/NotebookRunPage.tsx").then((m) => ({ default: m.NotebookRunPage })));
const Models = () => import("./pages/ModelsPage.tsx");
const ModelsPage = lazy(() => Models().then((m) => ({ default: m.ModelsPage })));
const ModelPage = lazy(() => import("./pages/ModelPage.tsx").then((m) => ({ default: m.ModelPage })));
const ModelVersionPage = lazy(() =>
  import("./pages/ModelVersionPage.tsx").then((m) => ({ default: m.ModelVersionPage })),
);
const Envs = () => import("./pages/EnvironmentsPage.tsx");
const EnvironmentsPage = lazy(() => Envs().then((m) => ({ default: m.EnvironmentsPage })));
const EnvironmentPage = lazy(() => import("./pages/EnvironmentPage.tsx").then((m) => ({ default: m.EnvironmentPage })));
const SharePage = lazy(() => import("./pages/SharePage.tsx").then((m) => ({ default: m.SharePage })));

/** `/runs/<id>`: a notebook run (UUID); experiment runs (32 hex digits) moved to /experiment-runs, old links still land. */
function RunRoute() {
  const params = useParams<{ runId: string }>();
  return (
    <Show when={!isExperimentRunId(params.runId)} fallback={<Navigate href={`/experiment-runs/${params.runId}`} />}>
      <NotebookRunPage />
    </Show>
  );
}

render(
  () => (
    <Router root={AppShell}>
      <Route path="/signin" component={SignInPage} />
      <Route path="/share/:notebookId" component={SharePage} />
      <Route path="/" component={ProjectsPage} />
      <Route path="/projects/:projectId" component={ProjectPage} />
      <Route path="/projects/:projectId/experiments" component={ExperimentsListPage} />
      <Route path="/experiments/:experimentId" component={ExperimentPage} />
      <Route path="/experiments/:experimentId/compare" component={ComparePage} />
      <Route path="/projects/:projectId/jobs" component={JobsPage} />
      <Route path="/projects/:projectId/runs" component={RunsPage} />
      <Route path="/projects/:projectId/models" component={ModelsPage} />
      <Route path="/models/:name" component={ModelPage} />
      <Route path="/models/:name/versions/:version" component={ModelVersionPage} />
      <Route path="/jobs/:jobId" component={JobPage} />
      <Route path="/runs/:runId" component={RunRoute} />
      <Route path="/experiment-runs/:runId" component={ExperimentRunPage} />
      <Route path="/notebooks/:notebookId" component={NotebookPage} />
      <Route path="/environments" component={EnvironmentsPage} />
      <Route path="/environments/:id" component={EnvironmentPage} />
      <Route path="/tokens" component={TokensPage} />
      <Route path="*" component={NotFoundPage} />
    </Router>
  ),
  document.getElementById("root")!,
);
