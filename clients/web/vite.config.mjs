// Builds the trace explorer into clients/web/dist. `base: './'` keeps every
// asset URL relative, so the page works wherever the API serves it (/explorer/).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
});
