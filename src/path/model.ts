// The path of a transfer: what the path service returns and accounting records against.
import type { ComponentKind, ComponentSource } from '../generated/prisma/enums.ts';

/** How a component on a path was learned; the registry's own word for it. */
export type Evidence = Exclude<ComponentSource, 'REGISTERED'>;

/** A component as the path builder sees it. `key` identifies it across evidence. */
export interface PathComponent {
  /**
   * Stable identity across evidence: "as:3320", "router:<id>", "host:<id>" for registered
   * components; for discovered ones the key they are (or will be) stored under as `discoveryKey`:
   * "link:3320>3215", "router:62.115.120.1", "country:DE".
   */
  key: string;
  kind: ComponentKind;
  name: string;
  /** The organization that owns it; null when nobody is known to (places, anonymous hops). */
  ownerId: string | null;
  /** The registry row, when the component is registered; null for one the path revealed. */
  componentId: string | null;
  learnedBy: Evidence;
}

/** An autonomous system and who holds it. */
export interface AutonomousSystemRef {
  number: number;
  name: string;
  ownerId: string;
  componentId: string | null;
}

/** One end of a transfer, as far as its address tells. */
export interface Endpoint {
  /** The client host or server node with this address, if registered. */
  host: PathComponent | null;
  /** The AS announcing the address (or the host's registered ISP); null when unknown. */
  as: AutonomousSystemRef | null;
  /** Country, region, city: coarse to fine. Shared between paths: never change it. */
  places: readonly PathComponent[];
}

/** One traceroute hop, resolved: a router (known or revealed), the AS its address is in, and the places its name gives away. */
export interface Hop {
  router: PathComponent;
  asNumber: number | null;
  places: readonly PathComponent[];
}

/** The owner changed from one component to the next: the path left `from` and entered `to`. */
export interface Crossing {
  from: string;
  to: string;
}

export interface Path {
  components: PathComponent[];
  sourceNetworkId: string | null;
  destinationNetworkId: string | null;
  /** The registered host (client or node) component at each end, if any. */
  sourceHostId: string | null;
  destinationHostId: string | null;
  /** ISO 3166-1 alpha-2 of each end, where the geo database knew it. */
  sourceCountry: string | null;
  destinationCountry: string | null;
  /** True when the transfer stayed inside one ISP; null when either end's ISP is unknown. */
  onNet: boolean | null;
  crossings: Crossing[];
}
