// Turning any failure into words for the merchant: the API's own message (in Chinese when it
// has one and the console is in Chinese), or a plain sentence for network trouble.
import { ElMessage } from 'element-plus';
import { ApiError } from '@/api/errors';
import { currentLanguage, i18n } from '@/locales';

export function errorMessage(error: unknown): string {
  const t = i18n.global.t;
  if (error instanceof ApiError) {
    if (error.code === 'network') return t('common.errors.network');
    if (error.code === 'unknown') return t('common.errors.unknown', { status: error.status });
    return error.localized(currentLanguage());
  }
  if (error instanceof Error && error.message) return error.message;
  return t('common.errors.unknown', { status: '?' });
}

/** A toast with the error's message. A 401 says nothing: the login page explains instead. */
export function showError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) return;
  ElMessage.error({ message: errorMessage(error), showClose: true, duration: 6000 });
}
