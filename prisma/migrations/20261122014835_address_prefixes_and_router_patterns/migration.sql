-- AlterTable
ALTER TABLE "NetworkComponent" ADD COLUMN     "hostnamePatterns" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "AddressPrefix" (
    "id" UUID NOT NULL,
    "prefix" INET NOT NULL,
    "organizationId" UUID NOT NULL,
    "asNumber" INTEGER,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AddressPrefix_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AddressPrefix_prefix_key" ON "AddressPrefix"("prefix");

-- CreateIndex
CREATE INDEX "AddressPrefix_organizationId_idx" ON "AddressPrefix"("organizationId");

-- AddForeignKey
ALTER TABLE "AddressPrefix" ADD CONSTRAINT "AddressPrefix_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
