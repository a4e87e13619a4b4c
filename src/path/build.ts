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
  const label = `AS${as.number}`;
  // An AS known only by number is named by it alone, not "AS64500 AS64500".
  const name = as.name === '' || as.name === label ? label : `${label} ${as.name}`;
  return { key: `as:${as.number}`, kind: 'AUTONOMOUS_SYSTEM', name, ownerId: as.ownerId, componentId: as.componentId, learnedBy };
}

/** The AS's own name from its component's name: what `asComponent` put after "AS<number> ". */
export function asNameOf(component: PathComponent, number: number): string {
  const label = `AS${number}`;
  return component.name.startsWith(`${label} `) ? component.name.slice(label.length + 1) : label;
}

type Step = { as: AutonomousSystemRef; learnedBy: PathComponent['learnedBy'] };

/** Appends an AS to the sequence unless it repeats the last one. */
function pushStep(sequence: Step[], as: AutonomousSystemRef | null, learnedBy: PathComponent['learnedBy']): void {
  if (as === null || sequence.at(-1)?.as.number === as.number) return;
  sequence.push({ as, learnedBy });
}

/** The AS sequence: source AS, the AS path (or the hops' ASes), destination AS; no repeats in a row. */
function asSequence(evidence: PathEvidence, lookups: PathLookups): Step[] {
  const sequence: Step[] = [];
  pushStep(sequence, evidence.source.as, 'INFERRED_FROM_ADDRESS');
  if (evidence.asPath.length > 0) {
    for (const number of evidence.asPath) pushStep(sequence, lookups.autonomousSystem(number), 'AS_PATH');
  } else {
    for (const hop of evidence.hops) if (hop.asNumber !== null) pushStep(sequence, lookups.autonomousSystem(hop.asNumber), 'TRACEROUTE');
  }
  pushStep(sequence, evidence.destination.as, 'INFERRED_FROM_ADDRESS');
  return sequence;
}

/**
 * Routers (with the places their names give) go after the AS they are in, in hop order. A hop whose AS is unknown stays with the AS
 * of the hop before it (traceroute shows it there); before any known AS, with the first.
 */
function routersByAs(hops: readonly Hop[], sequence: readonly { as: AutonomousSystemRef }[]): Map<number, Hop[]> {
  const byAs = new Map<number, Hop[]>();
  const onPath = new Set(sequence.map((step) => step.as.number));
  let current = sequence[0]?.as.number;
  for (const hop of hops) {
    if (hop.asNumber !== null && onPath.has(hop.asNumber)) current = hop.asNumber;
    if (current === undefined) continue;
    byAs.set(current, [...(byAs.get(current) ?? []), hop]);
  }
  return byAs;
}

/**
 * The components in order, each once: the first evidence that placed a component keeps it there,
 * finer evidence only adds. Switches follow what they are registered on. (A class rather than
 * closures: this runs for every transfer, and a closure per call is measurable at that rate.)
 */
class Assembly {
  readonly components: PathComponent[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly lookups: PathLookups) {}

  add(component: PathComponent): void {
    if (this.seen.has(component.key)) return;
    this.seen.add(component.key);
    this.components.push(component);
    for (const sw of this.lookups.switchesOn(component)) this.add(sw);
  }

  addAll(components: readonly PathComponent[]): void {
    for (const component of components) this.add(component);
  }
}

const NO_HOPS: readonly Hop[] = [];

export function buildPath(evidence: PathEvidence, lookups: PathLookups): Path {
  const sequence = asSequence(evidence, lookups);
  const routers = evidence.hops.length > 0 ? routersByAs(evidence.hops, sequence) : null;
  const path = new Assembly(lookups);

  path.addAll(evidence.source.places);
  if (evidence.source.host) path.add(evidence.source.host);
  for (let index = 0; index < sequence.length; index++) {
    const step = sequence[index]!;
    path.add(asComponent(step.as, step.learnedBy));
    for (const hop of routers?.get(step.as.number) ?? NO_HOPS) {
      path.add(hop.router);
      // Where the router stands, when its name says so: after the router, as a place it is in.
      path.addAll(hop.places);
    }
    const next = sequence[index + 1];
    if (next) path.add(lookups.link(step.as, next.as, next.learnedBy === 'INFERRED_FROM_ADDRESS' ? step.learnedBy : next.learnedBy));
  }
  if (evidence.destination.host) path.add(evidence.destination.host);
  for (let i = evidence.destination.places.length - 1; i >= 0; i--) path.add(evidence.destination.places[i]!);

  const { components } = path;
  const sourceNetworkId = evidence.source.host?.ownerId ?? evidence.source.as?.ownerId ?? null;
  const destinationNetworkId = evidence.destination.host?.ownerId ?? evidence.destination.as?.ownerId ?? null;
  return {
    components,
    sourceNetworkId,
    destinationNetworkId,
    sourceHostId: evidence.source.host?.componentId ?? null,
    destinationHostId: evidence.destination.host?.componentId ?? null,
    sourceCountry: countryOf(evidence.source),
    destinationCountry: countryOf(evidence.destination),
    onNet: sourceNetworkId === null || destinationNetworkId === null ? null : sourceNetworkId === destinationNetworkId,
    crossings: crossingsOf(components),
  };
}

function countryOf(endpoint: Endpoint): string | null {
  const country = endpoint.places.find((place) => place.kind === 'COUNTRY');
  return country ? country.key.slice('country:'.length) : null;
}

/** Each change of owner along the path; components nobody is known to own do not break a run. */
export function crossingsOf(components: readonly Pick<PathComponent, 'ownerId'>[]): Crossing[] {
  const crossings: Crossing[] = [];
  let owner: string | null = null;
  for (const component of components) {
    if (component.ownerId === null || component.ownerId === owner) continue;
    if (owner !== null) crossings.push({ from: owner, to: component.ownerId });
    owner = component.ownerId;
  }
  return crossings;
}
