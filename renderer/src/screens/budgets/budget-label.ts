// What a budget's request count means. A budget counts the requests it was charged for: those a provider answered
// with token usage (streams cancelled part-way included, at their estimate). Cache hits, requests Airlock refused
// and calls that failed cost nothing and are not counted, so the Spend dashboard, which counts every request
// through the gateway, can show more (QA: "38 requests this month" here against 63 there). docs/budgets.md.

export const BILLED_REQUESTS_HELP =
  'Requests a provider answered and charged for (tokens counted; streams cancelled part-way included). Cache hits, refused and failed requests cost nothing and are not counted here; the Spend dashboard and the request log count every request.';

/** "38 billed requests this month", "1 billed request today". */
export function billedRequestsText(n: number, window: 'day' | 'week' | 'month', fmt: (n: number) => string = String): string {
  return `${fmt(n)} billed request${n === 1 ? '' : 's'} ${window === 'day' ? 'today' : `this ${window}`}`;
}
