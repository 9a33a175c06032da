import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The collector serves the built app from dashboard/dist at `/`; in development Vite proxies the
// read API, the socket.io stream and the Faro receiver to a running collector.
const collector = process.env.PAYWATCH_COLLECTOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': collector,
      '/faro': collector,
      '/socket.io': { target: collector, ws: true },
    },
  },
});
