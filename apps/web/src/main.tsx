import { Route, Router } from "@solidjs/router";
import { render } from "solid-js/web";
import { AppShell } from "./components/AppShell.tsx";
import { NotebookPage } from "./pages/NotebookPage.tsx";
import { NotFoundPage } from "./pages/NotFoundPage.tsx";
import { ProjectPage } from "./pages/ProjectPage.tsx";
import { ProjectsPage } from "./pages/ProjectsPage.tsx";
import { SharePage } from "./pages/SharePage.tsx";
import { SignInPage } from "./pages/SignInPage.tsx";
import { TokensPage } from "./pages/TokensPage.tsx";
import "katex/dist/katex.min.css";
import "./styles.css";

render(
  () => (
    <Router root={AppShell}>
      <Route path="/signin" component={SignInPage} />
      <Route path="/s/:token" component={SharePage} />
      <Route path="/" component={ProjectsPage} />
      <Route path="/projects/:projectId" component={ProjectPage} />
      <Route path="/notebooks/:notebookId" component={NotebookPage} />
      <Route path="/tokens" component={TokensPage} />
      <Route path="*" component={NotFoundPage} />
    </Router>
  ),
  document.getElementById("root")!,
);
