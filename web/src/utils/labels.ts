// Platforms and channels in words, the same on every page (common.platforms, common.channels).
// Keys the console has no words for (a platform or a live code added later) are shown as the
// server sends them rather than as a missing translation.
type T = (key: string) => string;

function known(t: T, key: string): string | undefined {
  const label = t(key);
  return label === key ? undefined : label;
}

/** "jd" → 京东; an unknown key as it is; nothing → —. */
export function platformLabel(platform: string | undefined, t: T): string {
  if (!platform) return '—';
  return known(t, `common.platforms.${platform}`) ?? platform;
}

/** "import:jd" → 订单导入 · 京东; "package_card" → 包裹卡; "unknown" → 未记录; nothing → —. */
export function channelLabel(channel: string | undefined, t: T): string {
  if (!channel) return '—';
  const match = /^import:(\w+)$/.exec(channel);
  if (match?.[1]) return `${t('common.channels.import')} · ${platformLabel(match[1], t)}`;
  return known(t, `common.channels.${channel}`) ?? channel;
}
