// The executable schema: the SDL in schema.graphql with the resolvers written against the
// types generated from it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, type GraphQLSchema, type GraphQLFieldResolver, isObjectType, isAbstractType } from 'graphql';
import type { Resolvers } from '../generated/graphql.ts';
import { alertMutations, alertQueries, alertSubscriptions, alertTypes } from './resolvers/alerts.ts';
import { coordinatorMutations, coordinatorQueries, coordinatorTypes } from './resolvers/coordinator.ts';
import { invoiceMutations, invoiceQueries, invoiceTypes } from './resolvers/invoices.ts';
import { Mutation } from './resolvers/mutations.ts';
import { pathQuery, pathTypes } from './resolvers/path.ts';
import { policyMutations, policyQueries, policyTypes } from './resolvers/policies.ts';
import { Query } from './resolvers/query.ts';
import { reportMutations, reportQueries, reportTypes } from './resolvers/reports.ts';
import { trafficQueries, trafficTypes } from './resolvers/traffic.ts';
import { transferMutations } from './resolvers/transfers.ts';
import { types } from './resolvers/types.ts';
import { BigIntScalar, DateTime, Decimal, IPAddress } from './scalars.ts';

type FieldResolver = GraphQLFieldResolver<unknown, unknown> | { subscribe: GraphQLFieldResolver<unknown, unknown>; resolve?: GraphQLFieldResolver<unknown, unknown> };

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

/** Resolver maps by domain, merged type by type (two domains may add fields to one type). */
function merged(...parts: Resolvers[]): Resolvers {
  const result: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) result[type] = { ...result[type], ...(fields as Record<string, unknown>) };
  }
  return result as Resolvers;
}

export const resolvers: Resolvers = {
  ...merged(
    types,
    pathTypes,
    trafficTypes,
    invoiceTypes,
    alertTypes,
    policyTypes,
    reportTypes,
    coordinatorTypes,
    { Query: { ...Query, ...pathQuery, ...trafficQueries, ...invoiceQueries, ...alertQueries, ...policyQueries, ...reportQueries, ...coordinatorQueries } },
    { Mutation: { ...Mutation, ...transferMutations, ...invoiceMutations, ...alertMutations, ...policyMutations, ...reportMutations, ...coordinatorMutations } },
    { Subscription: { ...alertSubscriptions } },
  ),
  DateTime,
  BigInt: BigIntScalar,
  Decimal,
  IPAddress,
};

/**
 * Attaches resolvers to the SDL's types. Done here rather than with @graphql-tools/schema to
 * keep one less dependency: it is a loop over a map, and it refuses a resolver for a field the
 * SDL does not have, so the two cannot drift apart silently.
 */
export function createExecutableSchema(): GraphQLSchema {
  const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  for (const [typeName, typeResolvers] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`Resolvers for ${typeName}, which schema.graphql does not define.`);
    if (type.constructor.name === 'GraphQLScalarType') {
      Object.assign(type, typeResolvers);
      continue;
    }
    if (isAbstractType(type)) {
      type.resolveType = (typeResolvers as { __resolveType: typeof type.resolveType }).__resolveType;
      continue;
    }
    if (!isObjectType(type)) throw new Error(`Cannot attach resolvers to ${typeName}.`);
    const fields = type.getFields();
    for (const [fieldName, resolver] of Object.entries(typeResolvers as Record<string, FieldResolver>)) {
      const field = fields[fieldName];
      if (!field) throw new Error(`Resolver for ${typeName}.${fieldName}, which schema.graphql does not define.`);
      // A subscription field has its event stream (subscribe) and, optionally, how each event maps to its value.
      if (typeof resolver === 'function') field.resolve = resolver;
      else Object.assign(field, resolver);
    }
  }
  return schema;
}
