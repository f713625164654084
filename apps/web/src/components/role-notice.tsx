import type { Role } from '@wa-fleet/shared';

/** Shown instead of a page the user's role does not allow; the control plane enforces the same rule. */
export function RoleNotice({ needed, actual, what }: { needed: Role; actual: Role | null; what: string }) {
  return (
    <div className="banner banner-warn" role="alert" data-testid="forbidden-notice">
      <strong>Not allowed.</strong> {what} needs the {needed} role or higher
      {actual ? `; you are ${actual} in this tenant.` : '; you have no role in this tenant.'}
    </div>
  );
}
