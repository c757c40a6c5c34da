-- AlterTable: Add availabilityStatus column to profiles
ALTER TABLE "profiles" ADD COLUMN "availabilityStatus" TEXT;
