import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { StatsView } from './stats-view.tsx';

export const metadata: Metadata = { title: 'Statistics' };

export default function StatsPage() {
  return renderTenantPage('Statistics', () => <StatsView />);
}
