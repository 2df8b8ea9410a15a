import { Route, Router } from "@solidjs/router";
import { lazy } from "solid-js";
import { render } from "solid-js/web";
import { AppShell } from "./components/AppShell.tsx";
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
const RunPage = lazy(() => Exp().then((m) => ({ default: m.RunPage })));
const ComparePage = lazy(() => Exp().then((m) => ({ default: m.ComparePage })));
const SharePage = lazy(() => import("./pages/SharePage.tsx").then((m) => ({ default: m.SharePage })));

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
      <Route path="/runs/:runId" component={RunPage} />
      <Route path="/notebooks/:notebookId" component={NotebookPage} />
      <Route path="/tokens" component={TokensPage} />
      <Route path="*" component={NotFoundPage} />
    </Router>
  ),
  document.getElementById("root")!,
);
