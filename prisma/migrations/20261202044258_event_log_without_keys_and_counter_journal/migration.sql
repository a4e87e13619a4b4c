-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_contentId_fkey";

-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_destinationClientId_fkey";

-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_destinationNetworkId_fkey";

-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_reporterId_fkey";

-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_sourceClientId_fkey";

-- DropForeignKey
ALTER TABLE "TransferEvent" DROP CONSTRAINT "TransferEvent_sourceNetworkId_fkey";

-- DropIndex
DROP INDEX "ComponentRecord_componentId_startedAt_idx";

-- DropIndex
DROP INDEX "TransferEvent_contentId_idx";

-- DropIndex
DROP INDEX "TransferEvent_destinationNetworkId_startedAt_idx";

-- DropIndex
DROP INDEX "TransferEvent_path_idx";

-- DropIndex
DROP INDEX "TransferEvent_sourceNetworkId_startedAt_idx";

-- CreateTable
CREATE TABLE "ClientTraffic" (
    "clientId" UUID NOT NULL,
    "direction" "TransferDirection" NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ClientTraffic_pkey" PRIMARY KEY ("clientId","direction","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "CounterJournal" (
    "id" BIGSERIAL NOT NULL,
    "table" TEXT NOT NULL,
    "keys" TEXT[],
    "bytes" BIGINT[],
    "transfers" BIGINT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CounterJournal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ClientTraffic_bucket_idx" ON "ClientTraffic"("bucket");

-- CreateIndex
CREATE INDEX "ComponentRecord_componentId_startedAt_id_idx" ON "ComponentRecord"("componentId", "startedAt", "id");
