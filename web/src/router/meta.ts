// What a route may say about itself (src/pages/<area>/routes.ts).
import type { Component } from 'vue';
import type { Permission } from '@/api/types';

export interface MenuEntry {
  /** i18n key of the menu label, e.g. 'nav.customers'. */
  label: string;
  icon: Component;
  /** Position in the side menu, smaller first (overview 10, customers 20, imports 30 …). */
  order: number;
}

declare module 'vue-router' {
  interface RouteMeta {
    /** Open without signing in (the login page). */
    public?: boolean;
    /** Needed to open the page; also hides its menu entry. */
    permission?: Permission;
    /** i18n key of the browser tab's title. */
    title?: string;
    /** Shown in the side menu. */
    menu?: MenuEntry;
  }
}

export {};
