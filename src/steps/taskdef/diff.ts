/**
 * What registering a task definition would change, field by field, against the latest ACTIVE
 * revision: both sides read as ECS stores them (`asStored`, the normalisation `sameContent` uses
 * to decide whether to register), so the plan shows a difference exactly when `up` would register.
 */
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';
import { fieldChange, type FieldChange } from '../changes.js';
import { asStored, sameContent, sameStored } from './taskdef.js';

type Container = ReturnType<typeof asStored>['containerDefinitions'][number];

/** Each differing field; a difference in a field not named here is one "other settings" line. */
export function taskDefinitionChanges(wanted: RegisterTaskDefinitionCommandInput, live: TaskDefinition): FieldChange[] {
  if (sameContent(wanted, live)) return [];
  const w = asStored(wanted);
  const l = asStored(live);
  const changes: FieldChange[] = [
    ...fieldChange('task cpu', l.cpu, w.cpu),
    ...fieldChange('task memory', l.memory, w.memory),
    ...fieldChange('network mode', l.networkMode, w.networkMode),
    ...fieldChange('execution role', l.executionRoleArn, w.executionRoleArn),
    ...fieldChange('task role', l.taskRoleArn, w.taskRoleArn),
  ];
  const names = [...new Set([...w.containerDefinitions, ...l.containerDefinitions].map((c) => c.name ?? ''))];
  const several = names.length > 1;
  for (const name of names) {
    const wc = w.containerDefinitions.find((c) => (c.name ?? '') === name);
    const lc = l.containerDefinitions.find((c) => (c.name ?? '') === name);
    const prefix = several ? `container ${name} ` : '';
    if (!wc || !lc) {
      changes.push(...fieldChange(`container ${name}`, lc ? 'present' : 'none', wc ? 'present' : 'none'));
      continue;
    }
    changes.push(...containerChanges(wc, lc).map((c) => ({ ...c, field: prefix + c.field })));
  }
  const named = changes.length > 0;
  const rest = !sameStored(unnamedTask(w), unnamedTask(l));
  return rest || !named ? [...changes, { field: 'other settings', old: 'as registered', new: 'differ' }] : changes;
}

function containerChanges(w: Container, l: Container): FieldChange[] {
  return [
    ...fieldChange('image', l.image, w.image),
    ...fieldChange('cpu', l.cpu, w.cpu),
    ...fieldChange('memory', l.memory, w.memory),
    ...fieldChange('memory reservation', l.memoryReservation, w.memoryReservation),
    ...fieldChange('ports', ports(l), ports(w)),
    ...keyed('env', l.environment, w.environment, (e) => e.value),
    ...keyed('secret', l.secrets, w.secrets, (s) => s.valueFrom),
    ...fieldChange('log driver', l.logConfiguration?.logDriver, w.logConfiguration?.logDriver),
    ...keyed('log option', options(l.logConfiguration?.options), options(w.logConfiguration?.options), (o) => o.value),
  ];
}

/** The task without the fields the named comparisons cover, to see whether anything else differs. */
function unnamedTask(t: ReturnType<typeof asStored>) {
  const { cpu, memory, networkMode, executionRoleArn, taskRoleArn, ...rest } = t;
  void [cpu, memory, networkMode, executionRoleArn, taskRoleArn];
  return { ...rest, containerDefinitions: t.containerDefinitions.map(unnamed) };
}

/** Container fields the named comparisons cover, taken out to see whether anything else differs. */
function unnamed(c: Container): Partial<ContainerDefinition> {
  const rest: Partial<Container> = { ...c };
  for (const k of [
    'image',
    'cpu',
    'memory',
    'memoryReservation',
    'portMappings',
    'environment',
    'secrets',
    'logConfiguration',
  ] as const)
    delete rest[k];
  return rest;
}

function ports(c: Container): string[] {
  return c.portMappings.map(
    (m) => `${m.containerPort}/${m.protocol} host ${m.hostPort === 0 ? 'dynamic' : m.hostPort}`,
  );
}

function options(o: Record<string, string> | undefined): { name: string; value: string }[] {
  return Object.entries(o ?? {}).map(([name, value]) => ({ name, value }));
}

/** One change per name whose value differs, appears or goes ("env LOG_LEVEL info → debug"). */
function keyed<T extends { name?: string }>(
  what: string,
  live: readonly T[] | undefined,
  wanted: readonly T[] | undefined,
  value: (t: T) => string | undefined,
): FieldChange[] {
  const l = new Map((live ?? []).map((x) => [x.name ?? '', value(x)]));
  const w = new Map((wanted ?? []).map((x) => [x.name ?? '', value(x)]));
  const names = [...new Set([...l.keys(), ...w.keys()])].sort();
  return names.flatMap((n) => fieldChange(`${what} ${n}`, l.get(n), w.get(n)));
}
