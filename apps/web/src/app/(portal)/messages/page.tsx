import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { MessagesView } from './messages-view.tsx';

export const metadata: Metadata = { title: 'Messages' };

export default function MessagesPage() {
  return renderTenantPage('Messages', () => <MessagesView />);
}
