-- CreateTable
CREATE TABLE "ComponentTrafficDaily" (
    "componentId" UUID NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ComponentTrafficDaily_pkey" PRIMARY KEY ("componentId","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "NetworkTraffic" (
    "networkId" UUID NOT NULL,
    "direction" "TransferDirection" NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "NetworkTraffic_pkey" PRIMARY KEY ("networkId","direction","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "NetworkTrafficDaily" (
    "networkId" UUID NOT NULL,
    "direction" "TransferDirection" NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "NetworkTrafficDaily_pkey" PRIMARY KEY ("networkId","direction","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "ClientTrafficDaily" (
    "clientId" UUID NOT NULL,
    "direction" "TransferDirection" NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ClientTrafficDaily_pkey" PRIMARY KEY ("clientId","direction","bucket","contentOwnerId","contentId","type")
);

-- CreateTable
CREATE TABLE "CrossingTrafficDaily" (
    "bucket" TIMESTAMP(3) NOT NULL,
    "fromOwnerId" UUID NOT NULL,
    "toOwnerId" UUID NOT NULL,
    "contentOwnerId" UUID NOT NULL,
    "contentId" UUID NOT NULL,
    "type" "TransferType" NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "transfers" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "CrossingTrafficDaily_pkey" PRIMARY KEY ("fromOwnerId","toOwnerId","bucket","contentOwnerId","contentId","type")
);

-- CreateIndex
CREATE INDEX "NetworkTraffic_bucket_idx" ON "NetworkTraffic"("bucket");
