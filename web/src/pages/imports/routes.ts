import type { RouteRecordRaw } from 'vue-router';
import { Upload } from '@element-plus/icons-vue';

export const routes: RouteRecordRaw[] = [
  {
    path: 'imports',
    name: 'imports',
    component: () => import('./ImportsPage.vue'),
    meta: { permission: 'imports.write', title: 'nav.imports', menu: { label: 'nav.imports', icon: Upload, order: 30 } },
  },
];
