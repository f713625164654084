import type { Metadata } from 'next';
import { renderTenantPage } from '@/server/tenant-page.tsx';
import { ConversationsView } from './conversations-view.tsx';

export const metadata: Metadata = { title: 'Conversations' };

export default function ConversationsPage() {
  return renderTenantPage('Conversations', () => <ConversationsView />);
}
