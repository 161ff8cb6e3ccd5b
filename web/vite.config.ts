import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The console is served by `yutang serve --static-dir dist`. During development, `npm run dev`
// proxies the API to a server on YUTANG_URL (default http://127.0.0.1:8080).
const apiTarget = process.env['YUTANG_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n: Composition API only, and no devtools hooks in the bundle. Its messages are
    // compiled at run time by the JIT compiler, which builds an AST instead of calling eval, so
    // the server's CSP (script-src 'self', no 'unsafe-eval') holds.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: process.env['YT_CONSOLE_OUT_DIR'] ?? 'dist',
    emptyOutDir: true,
    // Element Plus and ECharts are large; splitting them keeps the app's own chunk small and
    // lets the browser keep the libraries cached (content-hashed names) across releases.
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender') || id.includes('node_modules/vue-echarts')) {
            return 'echarts';
          }
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) {
            return 'element-plus';
          }
          if (id.includes('node_modules/')) return 'vendor';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/v1': { target: apiTarget, changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    css: false,
  },
});
