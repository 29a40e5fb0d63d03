// Differences between dockerd 20.10 (Debian's, API 1.41) and berth that are
// deliberate: each with the reason. A diff line (+ or -) matching `line` in a
// scenario whose name contains `scenario` is reported apart, not as a finding.

export interface Known {
  scenario?: string;
  line: RegExp;
  reason: string;
}

export const KNOWN: Known[] = [];
