-- CreateEnum
CREATE TYPE "UplinkGrantScope" AS ENUM ('ALL_SUBSCRIBERS', 'LISTED_CLIENTS', 'OPTED_IN_CLIENTS');

-- CreateEnum
CREATE TYPE "UplinkGrantBasis" AS ENUM ('PARTNERSHIP_AGREEMENT', 'CLIENT_SOFTWARE');

-- CreateEnum
CREATE TYPE "CapPeriod" AS ENUM ('DAY', 'MONTH');

-- AlterTable
ALTER TABLE "TransferEvent" ADD COLUMN     "assignmentId" UUID,
ADD COLUMN     "grantId" UUID;

-- CreateTable
CREATE TABLE "UplinkGrant" (
    "id" UUID NOT NULL,
    "networkId" UUID NOT NULL,
    "distributorId" UUID NOT NULL,
    "scope" "UplinkGrantScope" NOT NULL,
    "basis" "UplinkGrantBasis" NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validUntil" TIMESTAMP(3),
    "capBytes" BIGINT,
    "capPeriod" "CapPeriod" NOT NULL DEFAULT 'MONTH',
    "perClientRateBps" BIGINT,
    "ratePerGb" DECIMAL(30,10) NOT NULL,
    "currency" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "revokedAt" TIMESTAMP(3),
    "revokeReason" TEXT,
    "contractId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UplinkGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UplinkGrantClient" (
    "grantId" UUID NOT NULL,
    "clientId" UUID NOT NULL,

    CONSTRAINT "UplinkGrantClient_pkey" PRIMARY KEY ("grantId","clientId")
);

-- CreateTable
CREATE TABLE "UplinkGrantChange" (
    "id" UUID NOT NULL,
    "grantId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "change" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "keyId" UUID,

    CONSTRAINT "UplinkGrantChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContentAssignment" (
    "id" UUID NOT NULL,
    "requesterClientId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "requestedById" UUID,
    "sources" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContentAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GrantTraffic" (
    "grantId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "GrantTraffic_pkey" PRIMARY KEY ("grantId","bucket")
);

-- CreateIndex
CREATE UNIQUE INDEX "UplinkGrant_contractId_key" ON "UplinkGrant"("contractId");

-- CreateIndex
CREATE INDEX "UplinkGrant_networkId_idx" ON "UplinkGrant"("networkId");

-- CreateIndex
CREATE INDEX "UplinkGrant_distributorId_idx" ON "UplinkGrant"("distributorId");

-- CreateIndex
CREATE INDEX "UplinkGrantClient_clientId_idx" ON "UplinkGrantClient"("clientId");

-- CreateIndex
CREATE INDEX "UplinkGrantChange_grantId_at_idx" ON "UplinkGrantChange"("grantId", "at");

-- CreateIndex
CREATE INDEX "ContentAssignment_requesterClientId_createdAt_idx" ON "ContentAssignment"("requesterClientId", "createdAt");

-- AddForeignKey
ALTER TABLE "UplinkGrant" ADD CONSTRAINT "UplinkGrant_networkId_fkey" FOREIGN KEY ("networkId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UplinkGrant" ADD CONSTRAINT "UplinkGrant_distributorId_fkey" FOREIGN KEY ("distributorId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UplinkGrantClient" ADD CONSTRAINT "UplinkGrantClient_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "UplinkGrant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UplinkGrantClient" ADD CONSTRAINT "UplinkGrantClient_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "Client"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UplinkGrantChange" ADD CONSTRAINT "UplinkGrantChange_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "UplinkGrant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
