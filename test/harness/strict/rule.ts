/**
 * One behaviour of real AWS that moto lacks, as a rule the strict proxy applies: `before` may
 * answer a call itself (AWS refused it, nothing was forwarded), `after` may observe or rewrite
 * what moto answered. Every rule can be switched off (`enabled`), is bounded (`windowMs` after
 * it is first triggered, at most `times` answers) and seeded (`rate` of eligible calls, drawn
 * from the seed and the call's position, so a run is reproducible).
 */
import { draw } from '../faults.js';
import type { Decision } from '../proxy.js';

export interface StrictCall {
  /** "ECS", "EC2", "ELASTICLOADBALANCING", "IAM", "LOGS", … from the signing scope. */
  readonly service: string;
  readonly operation: string;
  /** The signing region ("us-east-1", "cn-north-1"). */
  readonly region: string;
  readonly params: Record<string, unknown>;
  readonly body: string;
  /** The rule that answered it, when one did. */
  answeredBy?: string;
  /** When the proxy received it (ms since the epoch). */
  readonly at?: number;
}

export interface Rule {
  /** Stable name, as listed in test/harness/README.md. */
  readonly id: string;
  /** Where real AWS documents or shows this behaviour. */
  readonly source: string;
  enabled: boolean;
  /** Calls it answered or rewrote. */
  readonly fired: number;
  before?(call: StrictCall, now: number): Decision | undefined;
  after?(call: StrictCall, status: number, body: string, now: number): string | undefined;
}

export interface Limits {
  /** Seed of the draws deciding which eligible calls the rule hits. @default 1 */
  readonly seed?: number;
  /** Share of eligible calls hit, 0..1. @default 1 */
  readonly rate?: number;
  /** The rule acts only this long after its trigger (first eligible call, or a create). @default Infinity */
  readonly windowMs?: number;
  /** At most this many answers/rewrites in all. @default Infinity */
  readonly times?: number;
}

/** Shared bookkeeping: enabled, fired, window, times, seeded rate. */
export class Gate {
  enabled = true;
  fired = 0;
  private n = 0;
  constructor(
    readonly id: string,
    private readonly limits: Limits = {},
  ) {}

  /** Inside the window that started at `since` (undefined: not triggered yet → false). */
  open(since: number | undefined, now: number): boolean {
    if (!this.enabled || since === undefined) return false;
    if (this.fired >= (this.limits.times ?? Infinity)) return false;
    return now - since < (this.limits.windowMs ?? Infinity);
  }

  /** Draws for one eligible call; true means hit it (and counts it). */
  hit(key: string): boolean {
    this.n += 1;
    const rate = this.limits.rate ?? 1;
    if (rate < 1 && draw(`${this.limits.seed ?? 1}/${this.id}/${key}/${this.n}`) >= rate) return false;
    this.fired += 1;
    return true;
  }
}

/** A Rule whose `enabled`/`fired` read through to its gate. */
export function rule(gate: Gate, source: string, hooks: Pick<Rule, 'before' | 'after'>): Rule {
  return {
    id: gate.id,
    source,
    get enabled() {
      return gate.enabled;
    },
    set enabled(v: boolean) {
      gate.enabled = v;
    },
    get fired() {
      return gate.fired;
    },
    ...hooks,
  };
}
