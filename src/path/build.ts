// Builds a transfer's path from the evidence at hand, coarse to fine: the two addresses give the
// source and destination ASes; an AS path adds the transit ASes between them; traceroute hops add
// routers (and reveal ASes where no AS path was given); links join consecutive ASes; switches sit
// on routers and links. Pure: lookups are passed in, so the same input always gives the same path.
import type { AutonomousSystemRef, Crossing, Endpoint, Hop, Path, PathComponent } from './model.ts';

export interface PathEvidence {
  source: Endpoint;
  destination: Endpoint;
  /** AS numbers in order, from a BGP AS path; may omit the endpoints' own ASes. */
  asPath: readonly number[];
  hops: readonly Hop[];
}

export interface PathLookups {
  /** The AS with this number: from the registry, or discovered. */
  autonomousSystem(number: number): AutonomousSystemRef;
  /** The link component joining two consecutive ASes (registered, or inferred on first use). */
  link(from: AutonomousSystemRef, to: AutonomousSystemRef, learnedBy: PathComponent['learnedBy']): PathComponent;
  /** Switches an ISP registered on this router or link, in order of traversal. */
  switchesOn(component: PathComponent): readonly PathComponent[];
}

export function asComponent(as: AutonomousSystemRef, learnedBy: PathComponent['learnedBy']): PathComponent {
  return { key: `as:${as.number}`, kind: 'AUTONOMOUS_SYSTEM', name: `AS${as.number} ${as.name}`, ownerId: as.ownerId, componentId: as.componentId, learnedBy };
}

/** The AS sequence: source AS, the AS path (or the hops' ASes), destination AS; no repeats in a row. */
function asSequence(evidence: PathEvidence, lookups: PathLookups): { as: AutonomousSystemRef; learnedBy: PathComponent['learnedBy'] }[] {
  const sequence: { as: AutonomousSystemRef; learnedBy: PathComponent['learnedBy'] }[] = [];
  const push = (as: AutonomousSystemRef | null, learnedBy: PathComponent['learnedBy']) => {
    if (as === null || sequence.at(-1)?.as.number === as.number) return;
    sequence.push({ as, learnedBy });
  };
  push(evidence.source.as, 'INFERRED_FROM_ADDRESS');
  if (evidence.asPath.length > 0) {
    for (const number of evidence.asPath) push(lookups.autonomousSystem(number), 'AS_PATH');
  } else {
    for (const hop of evidence.hops) if (hop.asNumber !== null) push(lookups.autonomousSystem(hop.asNumber), 'TRACEROUTE');
  }
  push(evidence.destination.as, 'INFERRED_FROM_ADDRESS');
  return sequence;
}

/**
 * Routers go after the AS they are in, in hop order. A hop whose AS is unknown stays with the AS
 * of the hop before it (traceroute shows it there); before any known AS, with the first.
 */
function routersByAs(hops: readonly Hop[], sequence: readonly { as: AutonomousSystemRef }[]): Map<number, PathComponent[]> {
  const byAs = new Map<number, PathComponent[]>();
  const onPath = new Set(sequence.map((step) => step.as.number));
  let current = sequence[0]?.as.number;
  for (const hop of hops) {
    if (hop.asNumber !== null && onPath.has(hop.asNumber)) current = hop.asNumber;
    if (current === undefined) continue;
    byAs.set(current, [...(byAs.get(current) ?? []), hop.router]);
  }
  return byAs;
}

export function buildPath(evidence: PathEvidence, lookups: PathLookups): Path {
  const sequence = asSequence(evidence, lookups);
  const routers = routersByAs(evidence.hops, sequence);
  const components: PathComponent[] = [];
  const seen = new Set<string>();
  const add = (component: PathComponent) => {
    // The first evidence that placed a component keeps it there; finer evidence only adds.
    if (seen.has(component.key)) return;
    seen.add(component.key);
    components.push(component);
    for (const sw of lookups.switchesOn(component)) add(sw);
  };

  for (const place of evidence.source.places) add(place);
  if (evidence.source.host) add(evidence.source.host);
  sequence.forEach((step, index) => {
    add(asComponent(step.as, step.learnedBy));
    for (const router of routers.get(step.as.number) ?? []) add(router);
    const next = sequence[index + 1];
    if (next) add(lookups.link(step.as, next.as, next.learnedBy === 'INFERRED_FROM_ADDRESS' ? step.learnedBy : next.learnedBy));
  });
  if (evidence.destination.host) add(evidence.destination.host);
  for (const place of [...evidence.destination.places].reverse()) add(place);

  const sourceNetworkId = evidence.source.host?.ownerId ?? evidence.source.as?.ownerId ?? null;
  const destinationNetworkId = evidence.destination.host?.ownerId ?? evidence.destination.as?.ownerId ?? null;
  return {
    components,
    sourceNetworkId,
    destinationNetworkId,
    onNet: sourceNetworkId === null || destinationNetworkId === null ? null : sourceNetworkId === destinationNetworkId,
    crossings: crossingsOf(components),
  };
}

/** Each change of owner along the path; components nobody is known to own do not break a run. */
export function crossingsOf(components: readonly PathComponent[]): Crossing[] {
  const crossings: Crossing[] = [];
  let owner: string | null = null;
  for (const component of components) {
    if (component.ownerId === null || component.ownerId === owner) continue;
    if (owner !== null) crossings.push({ from: owner, to: component.ownerId });
    owner = component.ownerId;
  }
  return crossings;
}
