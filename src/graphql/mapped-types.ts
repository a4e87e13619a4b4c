// Shapes the resolvers pass around where a GraphQL type has no table of its own.
import type { Client, Link, LinkSet, NetworkComponent } from '../generated/prisma/client.ts';
import type { Path, PathComponent } from '../path/model.ts';
import type { Dimension } from '../traffic/query.ts';
import type { TrafficReport, TrafficRow } from '../traffic/report.ts';
import type { Connection, Edge } from './pagination.ts';

/** `Crossing` is two columns of an accounting object's filter. */
export interface CrossingModel {
  fromId: string;
  toId: string;
}

/** A member of the `AccountedEntity` union, tagged so its GraphQL type is known. */
export type AccountedEntityModel =
  | (Client & { __typename: 'Client' })
  | (Link & { __typename: 'Link' })
  | (LinkSet & { __typename: 'LinkSet' })
  | (NetworkComponent & { __typename: 'NetworkComponent' });

export type AccountedEntityConnectionModel = Connection<AccountedEntityModel>;
export type AccountedEntityEdgeModel = Edge<AccountedEntityModel>;

/**
 * A path's owners are organization ids, or "as:<number>" for an AS nobody registered; the names
 * of those come from the path's own AS components, so each piece carries the path's name table.
 */
export interface PathModel {
  path: Path;
  discoveredNames: ReadonlyMap<string, string>;
}
export interface PathOwnerModel {
  ownerId: string;
  discoveredNames: ReadonlyMap<string, string>;
}
export interface PathComponentModel {
  component: PathComponent;
  discoveredNames: ReadonlyMap<string, string>;
}
export interface PathCrossingModel {
  from: PathOwnerModel;
  to: PathOwnerModel;
}

/** A traffic report (or one of its rows) with the dimensions it was grouped by, for its keys. */
export interface TrafficReportModel {
  report: TrafficReport;
  dimensions: readonly Dimension[];
}
export interface TrafficRowModel {
  row: TrafficRow;
  dimensions: readonly Dimension[];
}
export interface TrafficKeyModel {
  dimension: Dimension;
  value: string;
}

/** An assignment and one of its sources, as the coordinator stored them. */
export type { Assignment as ContentAssignmentModel, StoredSource as AssignmentSourceModel } from '../coordinator/assignments.ts';
/** An ISP's uplink statement for a period, and one grant's line of it. */
export type { UplinkStatement as UplinkStatementModel, UplinkStatementLine as UplinkStatementLineModel } from '../coordinator/statements.ts';
