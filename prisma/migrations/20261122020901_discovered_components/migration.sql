-- AlterEnum
ALTER TYPE "LinkKind" ADD VALUE 'INFERRED';

-- AlterTable
ALTER TABLE "NetworkComponent" ADD COLUMN     "discoveryKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "NetworkComponent_discoveryKey_key" ON "NetworkComponent"("discoveryKey");
