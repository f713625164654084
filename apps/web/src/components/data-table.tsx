import type { ReactNode } from 'react';

/**
 * A table in its scrolling box, with a caption for screen readers and one column header per name.
 * `cardsOnPhone` turns rows into cards on narrow screens (cells then need `data-label`).
 */
export function DataTable({
  caption,
  columns,
  testId,
  cardsOnPhone = false,
  children,
}: {
  caption: string;
  columns: readonly string[];
  testId?: string;
  cardsOnPhone?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table data-testid={testId} className={cardsOnPhone ? 'cards-on-phone' : undefined}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((name) => (
              <th scope="col" key={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
