import type { ChatModels } from '../../../../shared/api/chat.ts';
import { fmtPrice, pickerNotice, shortPrice } from './chat-format.ts';

/** Aliases first, then every allowed model by provider, each with its price per million tokens and vision. */
export function ModelPicker({ models, value, onChange, error }: { models: ChatModels | null; value: string; onChange(v: string): void; error: string | null }) {
  const known = !models || models.aliases.some((a) => a.id === value) || models.providers.some((p) => p.models.some((m) => m.id === value));
  const selected = models?.providers.flatMap((p) => p.models).find((m) => m.id === value);
  const alias = models?.aliases.find((a) => a.id === value);
  const notice = pickerNotice(models, value, error);
  return (
    <div className="model-picker">
      <label htmlFor="chat-model" className="sr-only">
        Model
      </label>
      <select id="chat-model" value={value} onChange={(e) => onChange(e.target.value)} data-testid="model-picker" title={error ?? undefined}>
        {!known && <option value={value}>{value} (not available)</option>}
        {models && (
          <optgroup label="Routed (aliases)">
            {models.aliases.map((a) => (
              <option key={a.id} value={a.id} disabled={!a.available && a.id !== value}>
                {a.id} — {a.available ? a.description : 'no model to choose from'}
              </option>
            ))}
          </optgroup>
        )}
        {models?.providers.map((p) => (
          <optgroup key={p.id} label={`${p.id}${p.local ? ' (local)' : ''}`}>
            {p.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} — {shortPrice(m)}
                {m.vision ? ' · vision' : ''}
              </option>
            ))}
          </optgroup>
        ))}
        {!models && <option value={value}>{value}</option>}
      </select>
      <span className="muted small model-info" data-testid="model-info">
        {selected ? `${fmtPrice(selected)} · ${selected.vision ? 'sees images' : selected.vision === false ? 'text only' : 'images: unknown'}` : alias?.available ? 'Model chosen per message; images go to a vision model' : ''}
      </span>
      {notice && (
        <p className="model-notice small" role="status" data-testid="model-notice">
          {notice}
        </p>
      )}
    </div>
  );
}
