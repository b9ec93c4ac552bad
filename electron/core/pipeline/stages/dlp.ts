import type { RequestContext } from '../context.ts';

/** Stage 3, DLP: detect, mask or block sensitive values before anything leaves. Filled in by the DLP issue. */
export function dlp(_ctx: RequestContext): void {}
