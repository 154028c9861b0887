import { createRoot } from "react-dom/client";
import { prefetchTrace } from "./api.ts";
import { App } from "./App.tsx";
import "./styles.css";

// A trace page load reads the trace while the shell checks the session (a 401 falls back to sign-in).
const deepLink = location.pathname.match(/^\/traces\/([0-9a-fA-F]{32})$/);
if (deepLink) prefetchTrace(deepLink[1].toLowerCase());

createRoot(document.getElementById("root")!).render(<App />);
