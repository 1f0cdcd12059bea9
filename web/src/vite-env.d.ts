/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin (and optional path) of the read API; '' or unset: the dashboard's own origin. */
  readonly VITE_API_BASE_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
