import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The SPA: `src/app`, built to `dist/web`, served by `registerConsole` at `/`. */
export default defineConfig({
  root: new URL('./src/app', import.meta.url).pathname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: new URL('./dist/web', import.meta.url).pathname,
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' } },
});
