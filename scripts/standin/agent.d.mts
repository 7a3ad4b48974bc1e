/** Types for agent.mjs: a stand-in for the ECS agent against moto (see that file). */
export interface StandinAgentOptions {
  /** The moto (or other AWS-compatible) endpoint. */
  readonly endpoint: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Pause between polls. @default 300 */
  readonly intervalMs?: number;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** One line per registration or failure. @default nothing */
  readonly log?: (line: string) => void;
}

export interface StandinAgent {
  /** EC2 instance IDs this stand-in has registered (or found registered already). */
  readonly registered: Set<string>;
  /** Ends the loop after the poll in flight. */
  stop(): Promise<void>;
}

export function startAgent(options: StandinAgentOptions): StandinAgent;
