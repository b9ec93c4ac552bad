import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { evaluateCorpus, evaluateShield, STRUCTURED } from './accuracy.ts';

const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../testdata/dlp');

test('labelled corpus: precision >= 0.97 and recall >= 0.95 on every structured type and on secrets as a group', () => {
  const { scores, samples } = evaluateCorpus(path.join(dir, 'corpus.jsonl'));
  const lines = fs.readFileSync(path.join(dir, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(samples >= 300);
  assert.ok(lines.filter((l) => l.negative).length / samples >= 1 / 3, 'at least a third hard negatives');
  const report: string[] = [];
  for (const t of [...STRUCTURED, 'SECRETS']) {
    const s = scores.get(t)!;
    report.push(`${t} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
    assert.ok(s.tp >= 10, `${t}: too few labelled examples to measure`);
    assert.ok(s.precision >= 0.97, `${t} precision ${s.precision}`);
    assert.ok(s.recall >= 0.95, `${t} recall ${s.recall}`);
  }
  console.log(report.join('\n'));
});

test('held-out corpus (written after the detectors; one fix round, see docs/dlp.md): secrets stay above 0.9', () => {
  const f = path.join(dir, 'holdout.jsonl');
  const { scores } = evaluateCorpus(f);
  for (const t of [...STRUCTURED, 'SECRETS']) {
    const s = scores.get(t);
    if (!s) continue;
    console.log(`holdout ${t} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`);
  }
  const sec = scores.get('SECRETS')!;
  assert.ok(sec.precision >= 0.9 && sec.recall >= 0.9, `holdout secrets P=${sec.precision} R=${sec.recall}`);
});

test('prompt shield: >= 0.80 of attacks caught at <= 3% false alarms, on the dev set and on the held-out set', () => {
  for (const file of ['shield.jsonl', 'shield.holdout.jsonl']) {
    const r = evaluateShield(path.join(dir, file));
    console.log(`${file}: ${r.attacks} attacks, ${r.benign} benign; detection ${r.detectionRate.toFixed(3)}, false alarms ${r.falseAlarmRate.toFixed(3)}`);
    assert.ok(r.attacks >= 30 && r.benign >= 30);
    assert.ok(r.detectionRate >= 0.8, `${file} detection ${r.detectionRate}`);
    assert.ok(r.falseAlarmRate <= 0.03, `${file} false alarms ${r.falseAlarmRate}`);
  }
});
