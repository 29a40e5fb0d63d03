// Compose's plain tables (ls, images): a header line and rows through Go's
// tabwriter with a minimum column width of 20 and 3 spaces of padding
// (Compose's formatter.PrintPrettySection).
import { tabwrite } from '../../cli/format';

export function prettySection(headers: string[], rows: string[][]): string {
  return tabwrite([headers, ...rows].map((r) => r.join('\t') + '\n').join(''), { minwidth: 20, padding: 3 });
}
