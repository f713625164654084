'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export interface NavItem {
  href: string;
  label: string;
  /** Starts a labelled group (e.g. "Admin"). */
  group?: string;
}

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <>
      {items.map((item) => {
        const isCurrent = pathname === item.href || pathname.startsWith(`${item.href}/`);
        return (
          <span key={item.href}>
            {item.group && <span className="nav-group">{item.group}: </span>}
            <Link href={item.href} aria-current={isCurrent ? 'page' : undefined}>
              {item.label}
            </Link>
          </span>
        );
      })}
    </>
  );
}
