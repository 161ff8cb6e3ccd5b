import type { RouteRecordRaw } from 'vue-router';
import { User } from '@element-plus/icons-vue';

export const routes: RouteRecordRaw[] = [
  {
    path: 'customers',
    name: 'customers',
    component: () => import('./CustomersPage.vue'),
    meta: { permission: 'customers.read', title: 'nav.customers', menu: { label: 'nav.customers', icon: User, order: 20 } },
  },
  {
    path: 'customers/:id(\\d+)',
    name: 'customer',
    component: () => import('./CustomerPage.vue'),
    props: (route) => ({ id: Number(route.params['id']) }),
    meta: { permission: 'customers.read', title: 'nav.customer' },
  },
];
