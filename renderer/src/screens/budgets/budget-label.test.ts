// The Budgets screen names what its request count counts (billed requests), so it is not read as the dashboard's
// count of every request.
import test from 'node:test';
import assert from 'node:assert/strict';
import { BILLED_REQUESTS_HELP, billedRequestsText } from './budget-label.ts';

test('budget request counts say "billed" and explain what is left out', () => {
  assert.equal(billedRequestsText(38, 'month'), '38 billed requests this month');
  assert.equal(billedRequestsText(1, 'day'), '1 billed request today');
  assert.equal(billedRequestsText(1200, 'week', (n) => n.toLocaleString('en-US')), '1,200 billed requests this week');
  assert.match(BILLED_REQUESTS_HELP, /Cache hits, refused and failed requests .* not counted/);
});
