-- AlterTable
ALTER TABLE "TransferEvent" ADD COLUMN     "contentOwnerId" UUID,
ADD COLUMN     "destinationCountry" TEXT,
ADD COLUMN     "sourceCountry" TEXT;

-- CreateTable
CREATE TABLE "ComponentTraffic" (
    "componentId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ComponentTraffic_pkey" PRIMARY KEY ("componentId","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "AccountingObjectUsage" (
    "accountingObjectId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "AccountingObjectUsage_pkey" PRIMARY KEY ("accountingObjectId","bucket")
);

-- CreateTable
CREATE TABLE "AccountingObjectContent" (
    "accountingObjectId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentId" UUID NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "AccountingObjectContent_pkey" PRIMARY KEY ("accountingObjectId","bucket","contentId")
);

-- CreateTable
CREATE TABLE "TrafficRollup" (
    "bucket" TIMESTAMP(3) NOT NULL,
    "sourceNetworkId" UUID NOT NULL,
    "destinationNetworkId" UUID NOT NULL,
    "sourceCountry" TEXT NOT NULL,
    "destinationCountry" TEXT NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "onNet" SMALLINT NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "TrafficRollup_pkey" PRIMARY KEY ("bucket","sourceNetworkId","destinationNetworkId","sourceCountry","destinationCountry","contentOwnerId","contentId","type","onNet")
);

-- CreateTable
CREATE TABLE "CrossingTraffic" (
    "bucket" TIMESTAMP(3) NOT NULL,
    "fromOwnerId" UUID NOT NULL,
    "toOwnerId" UUID NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "CrossingTraffic_pkey" PRIMARY KEY ("fromOwnerId","toOwnerId","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "ComponentRecord" (
    "id" UUID NOT NULL,
    "componentId" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "ownerId" UUID,
    "path" UUID[],
    "contentOwnerId" UUID,
    "title" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ComponentRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ComponentTraffic_bucket_idx" ON "ComponentTraffic"("bucket");

-- CreateIndex
CREATE INDEX "TrafficRollup_contentOwnerId_bucket_idx" ON "TrafficRollup"("contentOwnerId", "bucket");

-- CreateIndex
CREATE INDEX "TrafficRollup_sourceNetworkId_bucket_idx" ON "TrafficRollup"("sourceNetworkId", "bucket");

-- CreateIndex
CREATE INDEX "TrafficRollup_destinationNetworkId_bucket_idx" ON "TrafficRollup"("destinationNetworkId", "bucket");

-- CreateIndex
CREATE INDEX "CrossingTraffic_bucket_idx" ON "CrossingTraffic"("bucket");

-- CreateIndex
CREATE INDEX "ComponentRecord_componentId_startedAt_idx" ON "ComponentRecord"("componentId", "startedAt");

-- CreateIndex
CREATE INDEX "TransferEvent_path_idx" ON "TransferEvent" USING GIN ("path");

-- CreateIndex
CREATE INDEX "TransferEvent_sourceClientId_startedAt_idx" ON "TransferEvent"("sourceClientId", "startedAt");

-- CreateIndex
CREATE INDEX "TransferEvent_destinationClientId_startedAt_idx" ON "TransferEvent"("destinationClientId", "startedAt");
