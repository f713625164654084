import type { Metadata } from 'next';
import { AuditLogView } from './audit-log-view.tsx';

export const metadata: Metadata = { title: 'Audit log' };

export default function AuditPage() {
  return (
    <>
      <h1>Audit log</h1>
      <AuditLogView />
    </>
  );
}
