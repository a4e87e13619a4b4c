-- CreateEnum
CREATE TYPE "OrganizationRole" AS ENUM ('SERVICE_PROVIDER', 'CONTENT_DISTRIBUTOR', 'CONTENT_OWNER');

-- CreateEnum
CREATE TYPE "ComponentKind" AS ENUM ('AUTONOMOUS_SYSTEM', 'ROUTER', 'SWITCH', 'LINK', 'HOST', 'COUNTRY', 'REGION', 'CITY');

-- CreateEnum
CREATE TYPE "ComponentSource" AS ENUM ('REGISTERED', 'INFERRED_FROM_ADDRESS', 'AS_PATH', 'TRACEROUTE', 'ISP_PROVIDED');

-- CreateEnum
CREATE TYPE "DeviceKind" AS ENUM ('PC', 'PHONE', 'TABLET', 'SET_TOP_BOX', 'TV', 'SERVER', 'OTHER');

-- CreateEnum
CREATE TYPE "LinkKind" AS ENUM ('PEERING', 'TRANSIT', 'INTERNAL');

-- CreateEnum
CREATE TYPE "ContentKind" AS ENUM ('MOVIE', 'EPISODE', 'LIVE_EVENT', 'MUSIC', 'SOFTWARE', 'OTHER');

-- CreateEnum
CREATE TYPE "AccountingMetric" AS ENUM ('BYTES', 'TRANSFERS', 'FILES');

-- CreateEnum
CREATE TYPE "TransferType" AS ENUM ('CDN_DOWNLOAD', 'PEER_UPLOAD', 'LIVE_STREAM');

-- CreateEnum
CREATE TYPE "TransferDirection" AS ENUM ('ANY', 'SENT', 'RECEIVED');

-- CreateEnum
CREATE TYPE "BillingPeriod" AS ENUM ('MONTH', 'QUARTER');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'AGENT', 'VIEWER');

-- CreateTable
CREATE TABLE "Organization" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "roles" "OrganizationRole"[],
    "autoDiscovered" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutonomousSystem" (
    "id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "ownerId" UUID NOT NULL,
    "componentId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutonomousSystem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NetworkComponent" (
    "id" UUID NOT NULL,
    "kind" "ComponentKind" NOT NULL,
    "name" TEXT NOT NULL,
    "ownerId" UUID,
    "parentId" UUID,
    "hostname" TEXT,
    "addresses" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "countryCode" TEXT,
    "source" "ComponentSource" NOT NULL DEFAULT 'REGISTERED',
    "recordTransfers" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NetworkComponent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Client" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "addresses" TEXT[],
    "subscriberNetworkId" UUID NOT NULL,
    "deviceKind" "DeviceKind" NOT NULL DEFAULT 'OTHER',
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "componentId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Link" (
    "id" UUID NOT NULL,
    "componentId" UUID NOT NULL,
    "aEndId" UUID NOT NULL,
    "bEndId" UUID NOT NULL,
    "kind" "LinkKind" NOT NULL,
    "capacityBps" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LinkSet" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "ownerId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LinkSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LinkSetMember" (
    "linkSetId" UUID NOT NULL,
    "linkId" UUID NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LinkSetMember_pkey" PRIMARY KEY ("linkSetId","linkId")
);

-- CreateTable
CREATE TABLE "Content" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "kind" "ContentKind" NOT NULL,
    "ownerId" UUID NOT NULL,
    "distributorId" UUID,
    "sizeBytes" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Content_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingObject" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "ownerId" UUID NOT NULL,
    "metric" "AccountingMetric" NOT NULL,
    "contentOwnerId" UUID,
    "contentId" UUID,
    "transferType" "TransferType",
    "direction" "TransferDirection" NOT NULL DEFAULT 'ANY',
    "crossingFromId" UUID,
    "crossingToId" UUID,
    "hourFrom" INTEGER,
    "hourTo" INTEGER,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccountingObject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingObjectClient" (
    "accountingObjectId" UUID NOT NULL,
    "clientId" UUID NOT NULL,
    "associatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountingObjectClient_pkey" PRIMARY KEY ("accountingObjectId","clientId")
);

-- CreateTable
CREATE TABLE "AccountingObjectLink" (
    "accountingObjectId" UUID NOT NULL,
    "linkId" UUID NOT NULL,
    "associatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountingObjectLink_pkey" PRIMARY KEY ("accountingObjectId","linkId")
);

-- CreateTable
CREATE TABLE "AccountingObjectLinkSet" (
    "accountingObjectId" UUID NOT NULL,
    "linkSetId" UUID NOT NULL,
    "associatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountingObjectLinkSet_pkey" PRIMARY KEY ("accountingObjectId","linkSetId")
);

-- CreateTable
CREATE TABLE "AccountingObjectComponent" (
    "accountingObjectId" UUID NOT NULL,
    "componentId" UUID NOT NULL,
    "associatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountingObjectComponent_pkey" PRIMARY KEY ("accountingObjectId","componentId")
);

-- CreateTable
CREATE TABLE "Contract" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "payerId" UUID NOT NULL,
    "payeeId" UUID NOT NULL,
    "currency" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "billingPeriod" "BillingPeriod" NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Contract_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContractAccountingObject" (
    "contractId" UUID NOT NULL,
    "accountingObjectId" UUID NOT NULL,

    CONSTRAINT "ContractAccountingObject_pkey" PRIMARY KEY ("contractId","accountingObjectId")
);

-- CreateTable
CREATE TABLE "TransferEvent" (
    "id" UUID NOT NULL,
    "reporterId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "sourceAddress" TEXT NOT NULL,
    "destinationAddress" TEXT NOT NULL,
    "sourceClientId" UUID,
    "destinationClientId" UUID,
    "sourceNetworkId" UUID,
    "destinationNetworkId" UUID,
    "bytes" BIGINT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "peakRate" BIGINT,
    "averageRate" BIGINT,
    "asPath" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "hops" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "path" UUID[] DEFAULT ARRAY[]::UUID[],
    "onNet" BOOLEAN,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TransferEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "organizationId" UUID,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "AutonomousSystem_number_key" ON "AutonomousSystem"("number");

-- CreateIndex
CREATE UNIQUE INDEX "AutonomousSystem_componentId_key" ON "AutonomousSystem"("componentId");

-- CreateIndex
CREATE INDEX "AutonomousSystem_ownerId_idx" ON "AutonomousSystem"("ownerId");

-- CreateIndex
CREATE INDEX "NetworkComponent_ownerId_kind_idx" ON "NetworkComponent"("ownerId", "kind");

-- CreateIndex
CREATE INDEX "NetworkComponent_kind_name_idx" ON "NetworkComponent"("kind", "name");

-- CreateIndex
CREATE INDEX "NetworkComponent_parentId_idx" ON "NetworkComponent"("parentId");

-- CreateIndex
CREATE INDEX "NetworkComponent_hostname_idx" ON "NetworkComponent"("hostname");

-- CreateIndex
CREATE UNIQUE INDEX "Client_componentId_key" ON "Client"("componentId");

-- CreateIndex
CREATE INDEX "Client_subscriberNetworkId_idx" ON "Client"("subscriberNetworkId");

-- CreateIndex
CREATE INDEX "Client_addresses_idx" ON "Client" USING GIN ("addresses");

-- CreateIndex
CREATE UNIQUE INDEX "Link_componentId_key" ON "Link"("componentId");

-- CreateIndex
CREATE INDEX "Link_aEndId_idx" ON "Link"("aEndId");

-- CreateIndex
CREATE INDEX "Link_bEndId_idx" ON "Link"("bEndId");

-- CreateIndex
CREATE INDEX "LinkSet_ownerId_idx" ON "LinkSet"("ownerId");

-- CreateIndex
CREATE INDEX "LinkSetMember_linkId_linkSetId_idx" ON "LinkSetMember"("linkId", "linkSetId");

-- CreateIndex
CREATE INDEX "Content_distributorId_idx" ON "Content"("distributorId");

-- CreateIndex
CREATE UNIQUE INDEX "Content_ownerId_title_key" ON "Content"("ownerId", "title");

-- CreateIndex
CREATE INDEX "AccountingObject_ownerId_idx" ON "AccountingObject"("ownerId");

-- CreateIndex
CREATE INDEX "AccountingObjectClient_clientId_accountingObjectId_idx" ON "AccountingObjectClient"("clientId", "accountingObjectId");

-- CreateIndex
CREATE INDEX "AccountingObjectLink_linkId_accountingObjectId_idx" ON "AccountingObjectLink"("linkId", "accountingObjectId");

-- CreateIndex
CREATE INDEX "AccountingObjectLinkSet_linkSetId_accountingObjectId_idx" ON "AccountingObjectLinkSet"("linkSetId", "accountingObjectId");

-- CreateIndex
CREATE INDEX "AccountingObjectComponent_componentId_accountingObjectId_idx" ON "AccountingObjectComponent"("componentId", "accountingObjectId");

-- CreateIndex
CREATE INDEX "Contract_payerId_idx" ON "Contract"("payerId");

-- CreateIndex
CREATE INDEX "Contract_payeeId_idx" ON "Contract"("payeeId");

-- CreateIndex
CREATE INDEX "ContractAccountingObject_accountingObjectId_contractId_idx" ON "ContractAccountingObject"("accountingObjectId", "contractId");

-- CreateIndex
CREATE INDEX "TransferEvent_startedAt_idx" ON "TransferEvent"("startedAt");

-- CreateIndex
CREATE INDEX "TransferEvent_sourceNetworkId_startedAt_idx" ON "TransferEvent"("sourceNetworkId", "startedAt");

-- CreateIndex
CREATE INDEX "TransferEvent_destinationNetworkId_startedAt_idx" ON "TransferEvent"("destinationNetworkId", "startedAt");

-- CreateIndex
CREATE INDEX "TransferEvent_contentId_idx" ON "TransferEvent"("contentId");

-- CreateIndex
CREATE UNIQUE INDEX "TransferEvent_reporterId_externalId_key" ON "TransferEvent"("reporterId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_organizationId_idx" ON "ApiKey"("organizationId");

-- AddForeignKey
ALTER TABLE "AutonomousSystem" ADD CONSTRAINT "AutonomousSystem_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutonomousSystem" ADD CONSTRAINT "AutonomousSystem_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "NetworkComponent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NetworkComponent" ADD CONSTRAINT "NetworkComponent_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NetworkComponent" ADD CONSTRAINT "NetworkComponent_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "NetworkComponent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_subscriberNetworkId_fkey" FOREIGN KEY ("subscriberNetworkId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Client" ADD CONSTRAINT "Client_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "NetworkComponent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Link" ADD CONSTRAINT "Link_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "NetworkComponent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Link" ADD CONSTRAINT "Link_aEndId_fkey" FOREIGN KEY ("aEndId") REFERENCES "NetworkComponent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Link" ADD CONSTRAINT "Link_bEndId_fkey" FOREIGN KEY ("bEndId") REFERENCES "NetworkComponent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkSet" ADD CONSTRAINT "LinkSet_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkSetMember" ADD CONSTRAINT "LinkSetMember_linkSetId_fkey" FOREIGN KEY ("linkSetId") REFERENCES "LinkSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkSetMember" ADD CONSTRAINT "LinkSetMember_linkId_fkey" FOREIGN KEY ("linkId") REFERENCES "Link"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Content" ADD CONSTRAINT "Content_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Content" ADD CONSTRAINT "Content_distributorId_fkey" FOREIGN KEY ("distributorId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObject" ADD CONSTRAINT "AccountingObject_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObject" ADD CONSTRAINT "AccountingObject_contentOwnerId_fkey" FOREIGN KEY ("contentOwnerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObject" ADD CONSTRAINT "AccountingObject_contentId_fkey" FOREIGN KEY ("contentId") REFERENCES "Content"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObject" ADD CONSTRAINT "AccountingObject_crossingFromId_fkey" FOREIGN KEY ("crossingFromId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObject" ADD CONSTRAINT "AccountingObject_crossingToId_fkey" FOREIGN KEY ("crossingToId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectClient" ADD CONSTRAINT "AccountingObjectClient_accountingObjectId_fkey" FOREIGN KEY ("accountingObjectId") REFERENCES "AccountingObject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectClient" ADD CONSTRAINT "AccountingObjectClient_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectLink" ADD CONSTRAINT "AccountingObjectLink_accountingObjectId_fkey" FOREIGN KEY ("accountingObjectId") REFERENCES "AccountingObject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectLink" ADD CONSTRAINT "AccountingObjectLink_linkId_fkey" FOREIGN KEY ("linkId") REFERENCES "Link"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectLinkSet" ADD CONSTRAINT "AccountingObjectLinkSet_accountingObjectId_fkey" FOREIGN KEY ("accountingObjectId") REFERENCES "AccountingObject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectLinkSet" ADD CONSTRAINT "AccountingObjectLinkSet_linkSetId_fkey" FOREIGN KEY ("linkSetId") REFERENCES "LinkSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectComponent" ADD CONSTRAINT "AccountingObjectComponent_accountingObjectId_fkey" FOREIGN KEY ("accountingObjectId") REFERENCES "AccountingObject"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountingObjectComponent" ADD CONSTRAINT "AccountingObjectComponent_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "NetworkComponent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contract" ADD CONSTRAINT "Contract_payerId_fkey" FOREIGN KEY ("payerId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contract" ADD CONSTRAINT "Contract_payeeId_fkey" FOREIGN KEY ("payeeId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContractAccountingObject" ADD CONSTRAINT "ContractAccountingObject_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "Contract"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContractAccountingObject" ADD CONSTRAINT "ContractAccountingObject_accountingObjectId_fkey" FOREIGN KEY ("accountingObjectId") REFERENCES "AccountingObject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_sourceClientId_fkey" FOREIGN KEY ("sourceClientId") REFERENCES "Client"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_destinationClientId_fkey" FOREIGN KEY ("destinationClientId") REFERENCES "Client"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_sourceNetworkId_fkey" FOREIGN KEY ("sourceNetworkId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_destinationNetworkId_fkey" FOREIGN KEY ("destinationNetworkId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TransferEvent" ADD CONSTRAINT "TransferEvent_contentId_fkey" FOREIGN KEY ("contentId") REFERENCES "Content"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
